"""Terraform uses a local provider mirror when there is one, and never overrides the user's config."""

from __future__ import annotations

from qvctl.terraform_mirror import cli_config_text, find_mirror, mirror_versions, terraform_environ


def _mirror(root, version="5.100.0"):
    platform = root / "registry.terraform.io/hashicorp/aws" / version / "linux_amd64"
    binary = platform / f"terraform-provider-aws_v{version}_x5"
    binary.parent.mkdir(parents=True)
    binary.write_text("")
    return root


def test_finds_the_mirror_named_by_tf_plugin_mirror(tmp_path):
    mirror = _mirror(tmp_path / "m")
    assert find_mirror({"TF_PLUGIN_MIRROR": str(mirror)}) == mirror
    assert mirror_versions(mirror) == ["5.100.0"]


def test_a_folder_without_the_provider_is_not_a_mirror(tmp_path):
    (tmp_path / "empty").mkdir()
    assert find_mirror({"TF_PLUGIN_MIRROR": str(tmp_path / "empty")}) is None


def test_environment_points_terraform_at_a_generated_cli_config(tmp_path):
    mirror = _mirror(tmp_path / "m")
    env = terraform_environ({"TF_PLUGIN_MIRROR": str(mirror)}, tmp_path / "tools")
    config = tmp_path / "tools" / "terraform.rc"
    assert env["TF_CLI_CONFIG_FILE"] == str(config)
    assert config.read_text() == cli_config_text(mirror)
    assert f'path    = "{mirror}"' in config.read_text()


def test_without_a_mirror_terraform_uses_the_registry(tmp_path):
    env = terraform_environ({"TF_PLUGIN_MIRROR": str(tmp_path / "none")}, tmp_path / "tools")
    assert "TF_CLI_CONFIG_FILE" not in env
    assert not (tmp_path / "tools").exists()


def test_a_users_own_cli_config_is_respected(tmp_path):
    mirror = _mirror(tmp_path / "m")
    own = tmp_path / "own.tfrc"
    own.write_text("# the user's\n")
    env = terraform_environ({"TF_PLUGIN_MIRROR": str(mirror), "TF_CLI_CONFIG_FILE": str(own)}, tmp_path / "tools")
    assert env["TF_CLI_CONFIG_FILE"] == str(own)


def test_a_cli_config_that_does_not_exist_does_not_hide_the_mirror(tmp_path):
    mirror = _mirror(tmp_path / "m")
    env = terraform_environ({"TF_PLUGIN_MIRROR": str(mirror), "TF_CLI_CONFIG_FILE": str(tmp_path / "gone")},
                            tmp_path / "tools")
    assert env["TF_CLI_CONFIG_FILE"] == str(tmp_path / "tools" / "terraform.rc")
