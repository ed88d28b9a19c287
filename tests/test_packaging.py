"""The project is an installable package and its lock files pin exactly what pyproject.toml
asks for (docs/development.md).

- every line of requirements/lock.txt and requirements/dev-lock.txt is ``name==version`` with
  sha256 hashes, and the two files agree on every pin they share;
- every requirement of pyproject.toml (dependencies, the ``dev`` extra, the build backend) is
  pinned at a version its range allows: adding a dependency to pyproject.toml without running
  scripts/lock.sh fails here;
- each lock is closed and has nothing stale: walking the installed distributions' own
  requirements from pyproject.toml's, every package reached is pinned and every pin is reached;
- a wheel builds from the package directories alone, with the apps, their migrations and
  templates, and nothing else.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from fnmatch import fnmatch
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parent.parent
BASE_LOCK = REPO / "requirements" / "lock.txt"
DEV_LOCK = REPO / "requirements" / "dev-lock.txt"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
# The top-level packages pyproject.toml's include patterns select in this checkout (a new app
# matching a pattern, such as `tasks`, joins by itself).
PATTERNS = PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
PACKAGES = sorted(
    d.name
    for d in REPO.iterdir()
    if (d / "__init__.py").exists() and any(fnmatch(d.name, p) for p in PATTERNS)
)

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:\\)?$")
HASH = re.compile(r"^--hash=sha256:[0-9a-f]{64}\s*(?:\\)?$")


def read_lock(path: Path) -> dict[str, tuple[str, frozenset[str]]]:
    """{canonical name: (version, hashes)}; any other kind of line is an error."""
    pins: dict[str, tuple[str, set[str]]] = {}
    current = None
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if pin := PIN.match(line):
            current = canonicalize_name(pin.group(1))
            assert current not in pins, f"{path.name}:{number}: {current} pinned twice"
            pins[current] = (pin.group(2), set())
        elif HASH.match(line) and current and raw.startswith(" "):
            pins[current][1].add(line.split()[0])
        else:
            raise AssertionError(f"{path.name}:{number}: not a hashed pin: {raw!r}")
    return {name: (version, frozenset(hashes)) for name, (version, hashes) in pins.items()}


def roots(pyproject: dict, *, dev: bool) -> list[Requirement]:
    requirements = list(pyproject["project"]["dependencies"])
    requirements += pyproject["build-system"]["requires"]
    if dev:
        requirements += pyproject["project"]["optional-dependencies"]["dev"]
    return [Requirement(r) for r in requirements]


def unmet(requirements: list[Requirement], pins: dict) -> list[str]:
    """Requirements that no pin satisfies (markers evaluated for this interpreter)."""
    problems = []
    for requirement in requirements:
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            continue
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None:
            problems.append(f"{requirement} is not in the lock")
        elif not requirement.specifier.contains(pinned[0], prereleases=True):
            problems.append(f"{requirement} but the lock pins {pinned[0]}")
    return problems


@pytest.fixture(scope="module", params=[BASE_LOCK, DEV_LOCK], ids=["lock", "dev-lock"])
def lock(request) -> tuple[Path, dict]:
    return request.param, read_lock(request.param)


def test_every_pin_is_exact_and_hashed(lock):
    path, pins = lock
    assert len(pins) > 20, f"{path.name} pins almost nothing"
    for name, (version, hashes) in pins.items():
        assert hashes, f"{path.name}: {name}=={version} has no hash"


def test_the_locks_agree_on_every_shared_pin():
    base, dev = read_lock(BASE_LOCK), read_lock(DEV_LOCK)
    assert set(base) <= set(dev), f"only in lock.txt: {sorted(set(base) - set(dev))}"
    differ = {name: (base[name][0], dev[name][0]) for name in base if base[name] != dev[name]}
    assert not differ, f"lock.txt and dev-lock.txt disagree (version or hashes): {differ}"


def test_every_pyproject_requirement_is_pinned_within_its_range():
    problems = unmet(roots(PYPROJECT, dev=False), read_lock(BASE_LOCK))
    assert not problems, f"run scripts/lock.sh: lock.txt {problems}"
    problems = unmet(roots(PYPROJECT, dev=True), read_lock(DEV_LOCK))
    assert not problems, f"run scripts/lock.sh: dev-lock.txt {problems}"
    assert canonicalize_name("setuptools") in read_lock(BASE_LOCK), "the build backend"


def test_a_dependency_added_without_relocking_is_caught():
    """The check above can fail: a new dependency, or a range the pin leaves, is reported."""
    edited = {**PYPROJECT, "project": dict(PYPROJECT["project"])}
    edited["project"]["dependencies"] = [
        *PYPROJECT["project"]["dependencies"],
        "a-package-nobody-locked>=1",
        "Django>=99",
    ]
    problems = unmet(roots(edited, dev=False), read_lock(BASE_LOCK))
    assert problems == [
        "a-package-nobody-locked>=1 is not in the lock",
        f"Django>=99 but the lock pins {read_lock(BASE_LOCK)['django'][0]}",
    ]


def reachable(requirements: list[Requirement], pins: dict) -> tuple[set[str], list[str]]:
    """Names reached from ``requirements`` through the installed distributions' metadata
    (with the extras asked for), and what is wrong on the way."""
    seen: dict[str, set[str]] = {}
    problems: list[str] = []
    queue = [(canonicalize_name(r.name), set(r.extras)) for r in requirements]
    while queue:
        name, extras = queue.pop()
        if name in seen and extras <= seen[name]:
            continue
        seen.setdefault(name, set()).update(extras)
        if name not in pins:
            problems.append(f"{name} is required but not pinned")
            continue
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            problems.append(f"{name} is pinned but not installed")
            continue
        if installed != pins[name][0]:
            problems.append(f"{name} {installed} is installed, the lock pins {pins[name][0]}")
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            wanted = {""} | seen[name]
            if requirement.marker and not any(
                requirement.marker.evaluate({"extra": extra}) for extra in wanted
            ):
                continue
            problems += unmet([Requirement(str(requirement).split(";")[0])], pins)
            queue.append((canonicalize_name(requirement.name), set(requirement.extras)))
    return set(seen), problems


def test_each_lock_is_closed_and_has_no_stale_pins(lock):
    """Run after scripts/bootstrap.sh --dev, which installs dev-lock.txt into this venv."""
    path, pins = lock
    reached, problems = reachable(roots(PYPROJECT, dev=path == DEV_LOCK), pins)
    assert not problems, f"{path.name} (run scripts/bootstrap.sh --dev first):\n" + "\n".join(
        problems
    )
    assert not set(pins) - reached, f"{path.name} pins what nothing needs: {set(pins) - reached}"


def test_the_project_is_installed_editable():
    """scripts/bootstrap.sh installs the project itself (pip install --no-deps -e .) into the
    venv: its dist-info in site-packages (not the egg-info setuptools leaves in the checkout)
    points at a checkout of Newsroom."""
    site_packages = sysconfig.get_paths()["purelib"]
    (distribution,) = metadata.distributions(name="newsroom", path=[site_packages])
    assert distribution.version == PYPROJECT["project"]["version"]
    direct_url = json.loads(distribution.read_text("direct_url.json") or "{}")
    assert direct_url.get("dir_info", {}).get("editable") is True, direct_url
    checkout = Path(url2pathname(urlsplit(direct_url["url"]).path))
    assert tomllib.loads((checkout / "pyproject.toml").read_text())["project"]["name"] == "newsroom"


def test_a_wheel_builds_from_the_package_directories(tmp_path):
    """Only what pyproject.toml declares goes into the wheel: the apps (migrations and
    templates included), not tests, benchmarks or the frontend."""
    source = tmp_path / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "node_modules")
    assert {"cms", "home", "news", "search"} <= set(PACKAGES)
    for directory in (*PACKAGES, "tests", "bench", "contract"):
        shutil.copytree(REPO / directory, source / directory, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
        + ["--no-index", "--wheel-dir", str(tmp_path / "dist"), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("newsroom-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if not name.startswith("newsroom-")}
    assert top == set(PACKAGES)
    assert "news/templates/news/blocks/quote.html" in names
    assert "news/migrations/0001_initial.py" in names
    assert "search/management/commands/__init__.py" in names
    assert not [name for name in names if name.startswith(("tests/", "bench/", "contract/"))]
