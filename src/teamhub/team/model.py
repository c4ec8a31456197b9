"""The team file's schema: pydantic models that refuse unknown keys and bad names."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    field_validator,
    model_validator,
)

from teamhub.team import names, packages

MEMORY = re.compile(r"(\d+(?:\.\d+)?)\s*([KMGT]i?B?|)", re.IGNORECASE)


class Section(BaseModel):
    """A table of the team file: unknown keys are errors, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PathsSection(Section):
    """[paths]: the roots of the installation."""

    prefix: Path = Path("/opt/teamhub")
    data: Path = Path("/srv/teamhub")
    state: Path = Path("/var/lib/teamhub")
    logs: Path = Path("/var/log/teamhub")

    @field_validator("prefix", "data", "state", "logs")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        if not value.is_absolute() or ".." in value.parts:
            raise ValueError(f"{value} must be an absolute path without '..'")
        if value == Path("/"):
            raise ValueError("a teamhub root cannot be '/'")
        return value


class LoginSection(Section):
    """[hub.login]: how many failed logins lock a user name or a client address, and for how long."""

    max_failures: Annotated[StrictInt, Field(ge=1)] = 5
    address_max_failures: Annotated[StrictInt, Field(ge=1)] = 20
    window: Annotated[StrictInt, Field(ge=1)] = 300
    lockout: Annotated[StrictInt, Field(ge=1)] = 300


class TlsSection(Section):
    """[hub.tls]: HTTPS on the hub's own port, with the admin's certificate or a self-signed one."""

    cert: Path | None = None
    key: Path | None = None
    self_signed: StrictBool = False

    @model_validator(mode="after")
    def _one_source(self) -> TlsSection:
        if (self.cert is None) != (self.key is None):
            raise ValueError("[hub.tls] needs both cert and key, or neither")
        if self.cert is not None and self.self_signed:
            raise ValueError("[hub.tls] takes either cert and key or self_signed = true, not both")
        for path in (self.cert, self.key):
            if path is not None and not path.is_absolute():
                raise ValueError(f"{path} must be an absolute path")
        return self

    @property
    def enabled(self) -> bool:
        """True when the hub serves HTTPS itself."""
        return self.cert is not None or self.self_signed


class HubSection(Section):
    """[hub]: how the hub is reached and what users land in."""

    name: str = "Team hub"
    port: Annotated[StrictInt, Field(ge=1, le=65535)] = 8000
    bind: str = "0.0.0.0"
    ui: Literal["lab", "notebook"] = "lab"
    idle_timeout: Annotated[StrictInt, Field(ge=0)] = 3600
    login: LoginSection = LoginSection()
    tls: TlsSection = TlsSection()

    @field_validator("bind")
    @classmethod
    def _bind(cls, value: str) -> str:
        if value in ("tailscale", "localhost"):
            return value
        try:
            ipaddress.ip_address(value)
        except ValueError:
            raise ValueError(f"bind {value!r} must be an IP address, 'localhost' or 'tailscale'") from None
        return value


class AccountsSection(Section):
    """[accounts]: how teamhub makes and marks Linux accounts and groups."""

    managed_group: str = "teamhub"
    group_prefix: str = "teamhub-"
    home_root: Path = Path("/home")
    shell: str = "/bin/bash"

    @field_validator("managed_group")
    @classmethod
    def _group(cls, value: str) -> str:
        if not names.USER_NAME.fullmatch(value):
            raise ValueError(f"group name {value!r} is not a valid Linux group name")
        return value

    @field_validator("group_prefix")
    @classmethod
    def _group_prefix(cls, value: str) -> str:
        problem = names.group_prefix_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class Limits(Section):
    """Memory and CPU limits for one user's server ([limits] or a user's override)."""

    memory: str | None = None
    cpu: StrictFloat | None = None

    @field_validator("cpu")
    @classmethod
    def _cpu(cls, value: float | None) -> float | None:
        if value is not None and value <= 0:
            raise ValueError(f"cpu {value:g} must be more than 0; write it like 1.0 or 0.5 (CPUs)")
        return value

    @field_validator("memory")
    @classmethod
    def _memory(cls, value: str | None) -> str | None:
        if value is not None and not MEMORY.fullmatch(value.strip()):
            raise ValueError(f'memory {value!r} is not a size; write it like "2G" or "512M"')
        if value is not None and memory_bytes(value) < MIN_MEMORY:
            raise ValueError(f'memory {value!r} is too small for a Jupyter server; give at least "256M"')
        return value

    @property
    def memory_bytes(self) -> int | None:
        """The memory limit in bytes (K, M, G, T count in 1024s, as systemd does)."""
        return None if self.memory is None else memory_bytes(self.memory)


MIN_MEMORY = 256 * 1024**2


def memory_bytes(size: str) -> int:
    """Bytes in a size like "2G", "512M", "1.5GiB" or "1073741824"."""
    found = MEMORY.fullmatch(size.strip())
    if found is None:
        raise ValueError(f"{size!r} is not a size")
    number, unit = found.groups()
    power = " KMGT".index(unit[0].upper()) if unit else 0
    return int(float(number) * 1024**power)


class User(Section):
    """[users.NAME]: one team member, a real Linux user."""

    admin: StrictBool = False
    sudo: StrictBool = False  # root through sudo on this machine; admins do not get it by default
    full_name: str = ""
    limits: Limits | None = None

    @field_validator("full_name")
    @classmethod
    def _gecos(cls, value: str) -> str:
        if any(ch in value for ch in ":,\n="):
            raise ValueError("full_name cannot contain ':', ',', '=' or a line break")
        return value


class Project(Section):
    """[projects.NAME]: a shared folder and who may write or read it."""

    writers: list[str] = []
    readers: list[str] = []
    admins_see: StrictBool = True


# Tool recipes teamhub knows how to install (teamhub.apply.recipes), and the variables a tool
# prepends to rather than sets.
RECIPES = ("gams",)
PREPENDED = ("PATH", "LD_LIBRARY_PATH")


class Env(Section):
    """[envs.NAME]: a shared Python environment offered to every user as a kernel."""

    python: str = "3.11"
    packages: list[str] = []
    display_name: str | None = None
    default: StrictBool = False

    @field_validator("python")
    @classmethod
    def _python(cls, value: str) -> str:
        problem = packages.python_version_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("packages")
    @classmethod
    def _packages(cls, value: list[str]) -> list[str]:
        for spec in value:
            problem = packages.requirement_problem(spec)
            if problem:
                raise ValueError(problem)
        twice = packages.duplicate_names(value)
        if twice:
            raise ValueError(f"package {twice[0]!r} is listed twice; keep one requirement for it")
        return value

    @field_validator("display_name")
    @classmethod
    def _display_name(cls, value: str | None) -> str | None:
        if value is not None and (not value.strip() or "\n" in value):
            raise ValueError("display_name must be one non-empty line")
        return value


class Tool(Section):
    """[tools.NAME]: an external tool whose variables reach every server, kernel and terminal."""

    recipe: str | None = None
    path: Path | None = None
    env: dict[str, str] = {}
    check: str | None = None
    version: str | None = None
    license: Path | None = None

    @model_validator(mode="after")
    def _source(self) -> Tool:
        if (self.recipe is None) == (self.path is None):
            raise ValueError('a tool needs exactly one of recipe = "..." or path = "/..."')
        if self.recipe is not None and self.recipe not in RECIPES:
            raise ValueError(
                f"there is no tool recipe {self.recipe!r}; the recipes are: {', '.join(RECIPES)}"
            )
        if self.path is not None and (not self.path.is_absolute() or ".." in self.path.parts):
            raise ValueError(f"tool path {self.path} must be absolute, without '..'")
        if self.license is not None and self.recipe != "gams":
            raise ValueError('license = "..." is for the gams recipe: its licence file replaces the demo one')
        if self.license is not None and (not self.license.is_absolute() or ".." in self.license.parts):
            raise ValueError(f"the licence file {self.license} must be an absolute path, without '..'")
        for key, value in self.env.items():
            problem = names.variable_name_problem(key)
            if problem:
                raise ValueError(problem)
            if key in PREPENDED:
                for entry in value.split(":"):
                    if not entry.startswith("/") or ".." in entry.split("/"):
                        raise ValueError(f"{key} entries of a tool must be absolute folders, not {entry!r}")
            if "\n" in value or "\0" in value:
                raise ValueError(f"the value of {key} must be a single line")
        return self


class PackagesSection(Section):
    """[packages]: where environments get their packages from."""

    index_url: str | None = None
    extra_index_urls: list[str] = []
    keep_builds: Annotated[int, Field(ge=1, le=100)] = 5
    user_site: bool = True

    @field_validator("index_url")
    @classmethod
    def _index_url(cls, value: str | None) -> str | None:
        problem = packages.url_problem(value) if value is not None else None
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("extra_index_urls")
    @classmethod
    def _extra_index_urls(cls, value: list[str]) -> list[str]:
        for url in value:
            problem = packages.url_problem(url)
            if problem:
                raise ValueError(problem)
        return value


QUANTITY = re.compile(r"\d+(?:\.\d+)?(?:[KMGTP]i?)?")
IMAGE_PREFIX = re.compile(r"[a-z0-9]+(?:[._:/-][a-z0-9]+)*")


class ExportSection(Section):
    """[export]: how `teamhub export k8s` maps the team onto Zero to JupyterHub."""

    authenticator: Literal["native", "github", "gitlab", "google"] = "native"
    oauth_client_id: str | None = None
    public_url: str | None = None
    logins: dict[str, str] = {}
    registry: str | None = None
    storage_class: str | None = None
    home_size: str = "10Gi"
    projects_size: str = "10Gi"
    envs_size: str = "20Gi"
    memory_guarantee: str | None = None
    cpu_guarantee: Annotated[float, Field(gt=0)] | None = None

    @field_validator("home_size", "projects_size", "envs_size")
    @classmethod
    def _quantity(cls, value: str) -> str:
        if not QUANTITY.fullmatch(value):
            raise ValueError(f'size {value!r} is not a Kubernetes quantity; write it like "10Gi"')
        return value

    @field_validator("memory_guarantee")
    @classmethod
    def _memory(cls, value: str | None) -> str | None:
        return Limits._memory(value)

    @field_validator("registry")
    @classmethod
    def _registry(cls, value: str | None) -> str | None:
        if value is not None and not IMAGE_PREFIX.fullmatch(value):
            raise ValueError(
                f"registry {value!r} must be an image name prefix like 'registry.example.org/team', "
                "lowercase, without a scheme, tag or trailing '/'"
            )
        return value

    @field_validator("public_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https?://[^/\s]+/?", value):
            raise ValueError(f"public_url {value!r} must look like 'https://hub.example.org'")
        return value


class Team(Section):
    """The whole team file."""

    paths: PathsSection = PathsSection()
    hub: HubSection = HubSection()
    accounts: AccountsSection = AccountsSection()
    limits: Limits = Limits()
    packages: PackagesSection = PackagesSection()
    users: dict[str, User] = {}
    projects: dict[str, Project] = {}
    envs: dict[str, Env] = {}
    tools: dict[str, Tool] = {}
    export: ExportSection = ExportSection()

    @field_validator("users")
    @classmethod
    def _user_names(cls, value: dict[str, User]) -> dict[str, User]:
        return _check_names(value, names.user_name_problem)

    @field_validator("projects")
    @classmethod
    def _project_names(cls, value: dict[str, Project]) -> dict[str, Project]:
        return _check_names(value, names.project_name_problem)

    @field_validator("envs")
    @classmethod
    def _env_names(cls, value: dict[str, Env]) -> dict[str, Env]:
        return _check_names(value, names.env_name_problem)

    @field_validator("tools")
    @classmethod
    def _tool_names(cls, value: dict[str, Tool]) -> dict[str, Tool]:
        return _check_names(value, names.tool_name_problem)

    @model_validator(mode="after")
    def _cross_references(self) -> Team:
        if self.users and not self.admins:
            raise ValueError("the team needs at least one admin; set admin = true for a user")
        for project_name, project in self.projects.items():
            _check_members(project_name, project, self.users)
        defaults = [name for name, env in self.envs.items() if env.default]
        if len(defaults) > 1:
            raise ValueError(f"only one environment can be the default, not {', '.join(defaults)}")
        lowered = [name.lower() for name in self.envs]
        for name in self.envs:
            if lowered.count(name.lower()) > 1:
                raise ValueError(f"environment names differ only in case ({name!r}); rename one")
        return self

    @property
    def default_env(self) -> str | None:
        """The environment JupyterLab opens by default: the one marked default, else the first."""
        marked = [name for name, env in self.envs.items() if env.default]
        return marked[0] if marked else next(iter(self.envs), None)

    @property
    def admins(self) -> list[str]:
        """The team's admins, in file order."""
        return [name for name, user in self.users.items() if user.admin]


def _check_names(table: dict, problem_of) -> dict:  # type: ignore[no-untyped-def]
    for key in table:
        problem = problem_of(key)
        if problem:
            raise ValueError(problem)
    return table


def _check_members(project_name: str, project: Project, users: dict[str, User]) -> None:
    for member in [*project.writers, *project.readers]:
        if member not in users:
            raise ValueError(
                f"project {project_name!r} names {member!r}, who is not in the team; "
                f"add [users.{member}] first"
            )
    both = sorted(set(project.writers) & set(project.readers))
    if both:
        raise ValueError(
            f"project {project_name!r} lists {', '.join(both)} as both writer and reader; keep one"
        )
