"""Release metadata agrees with itself, and the README's consumer app works as written."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import yaml

import oauth_ingress_construct
from oauth_ingress_construct.testing import synth_yaml

ROOT = Path(__file__).resolve().parent.parent
REPOSITORY = "https://github.com/oauth-ingress-construct/oauth-ingress-construct"
PYPROJECT = (ROOT / "pyproject.toml").read_text()
README = (ROOT / "README.md").read_text()
CHANGELOG = (ROOT / "CHANGELOG.md").read_text()


def _pyproject_version() -> str:
    match = re.search(r'^version = "([^"]+)"$', PYPROJECT, re.M)
    assert match, "pyproject.toml has no static version"
    return match.group(1)


def test_version_is_the_installed_metadata_and_pyproject_version():
    version = _pyproject_version()
    assert importlib.metadata.version("oauth-ingress-construct") == version, (
        "the installed metadata is stale: reinstall (scripts/setup.sh)"
    )
    assert oauth_ingress_construct.__version__ == version


def test_changelog_has_an_unreleased_section_and_one_for_this_version():
    version = re.escape(_pyproject_version())
    assert "\n## [Unreleased]\n" in CHANGELOG
    assert re.search(rf"^## \[{version}\] - \d{{4}}-\d{{2}}-\d{{2}}$", CHANGELOG, re.M)
    assert re.search(rf"^\[{version}\]: {re.escape(REPOSITORY)}/", CHANGELOG, re.M)


def test_license_file_is_the_declared_apache_license():
    assert 'license = "Apache-2.0"' in PYPROJECT
    text = (ROOT / "LICENSE").read_text()
    assert text.split()[:5] == ["Apache", "License", "Version", "2.0,", "January"]
    assert "END OF TERMS AND CONDITIONS" in text


def test_every_url_names_the_one_repository():
    urls = re.findall(r'^\w+ = "(https://[^"]+)"$', PYPROJECT.split("[project.urls]")[1], re.M)
    assert urls
    assert all(u.startswith(REPOSITORY) for u in urls), urls


def test_readme_links_are_absolute():
    """The package index shows the README without the repository around it."""
    targets = re.findall(r"\]\(([^)]+)\)", README)
    assert targets
    relative = [t for t in targets if not t.startswith("https://")]
    assert not relative, f"relative links break on the package index: {relative}"
    repo_links = [t for t in targets if "oauth-ingress-construct/oauth-ingress-construct" in t]
    assert all(t.startswith(REPOSITORY) for t in repo_links)


def _consumer_files() -> dict[str, str]:
    blocks = re.findall(r"<!-- consumer-file: (\S+) -->\n```\w*\n(.*?)```", README, re.S)
    return dict(blocks)


def test_readme_consumer_app_is_complete_and_synthesizes():
    files = _consumer_files()
    assert sorted(files) == ["cdk8s.yaml", "main.py", "requirements.txt", "test_main.py"]
    assert yaml.safe_load(files["cdk8s.yaml"]) == {"language": "python", "app": "python main.py"}
    assert re.search(r"^oauth-ingress-construct\[testing\]", files["requirements.txt"], re.M)
    assert re.search(r"<!-- consumer-run -->\n```sh\n", README)
    namespace: dict[str, object] = {"__name__": "readme_main"}
    exec(compile(files["main.py"], "README.md:main.py", "exec"), namespace)
    text = synth_yaml(namespace["build_app"]())
    kinds = [d["kind"] for d in yaml.safe_load_all(text)]
    assert kinds.count("Ingress") == 2
    assert "host: grafana.example.com" in text


def _github_anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading: lower case, punctuation dropped, - for space."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_readme_links_into_the_repository_resolve():
    """Every README link to a file, folder or heading of this repository names one that exists."""
    pattern = rf"\]\({re.escape(REPOSITORY)}/(?:blob|tree)/main/([^)#]+)(?:#([^)]+))?\)"
    links = re.findall(pattern, README)
    assert links
    for path, anchor in links:
        target = ROOT / path
        assert target.exists(), f"README links to {path}, which does not exist"
        if anchor:
            headings = re.findall(r"^#+ (.+)$", target.read_text(), re.M)
            assert anchor in {_github_anchor(h) for h in headings}, f"{path}#{anchor}"
    for anchor in re.findall(r"\]\(#([^)]+)\)", README):
        headings = re.findall(r"^#+ (.+)$", README, re.M)
        assert anchor in {_github_anchor(h) for h in headings}, f"README#{anchor}"
