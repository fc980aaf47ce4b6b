"""duck.connect: settings applied, no extension ever downloaded, spatial from the wheel's file."""

from pathlib import Path

import duckdb
import pytest
from django.core.exceptions import ImproperlyConfigured

from ouvert.datastore import duck


def _setting(con, name):
    return con.execute(f"SELECT current_setting('{name}')").fetchone()[0]


def test_settings_are_applied(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.OUVERT_DUCKDB_MEMORY_LIMIT = "256MB"
    settings.OUVERT_DUCKDB_THREADS = 1
    con = duck.connect()
    try:
        assert _setting(con, "memory_limit") == "244.1 MiB"  # 256 MB = 256,000,000 bytes
        assert _setting(con, "threads") == 1
        assert Path(_setting(con, "temp_directory")) == tmp_path / "tmp" / "duckdb"
        assert (tmp_path / "tmp" / "duckdb").is_dir()
        assert _setting(con, "autoinstall_known_extensions") is False
        assert _setting(con, "autoload_known_extensions") is False
        assert _setting(con, "allow_community_extensions") is False
        assert _setting(con, "enable_progress_bar_print") is False
    finally:
        con.close()


def test_arguments_override_settings(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.OUVERT_DUCKDB_MEMORY_LIMIT = "256MB"
    con = duck.connect(memory_limit="128MB", threads=2)
    try:
        assert _setting(con, "memory_limit") == "122.0 MiB"
        assert _setting(con, "threads") == 2
    finally:
        con.close()


def test_default_threads_is_the_cpu_count(settings, tmp_path, monkeypatch):
    settings.DATA_DIR = tmp_path
    settings.OUVERT_DUCKDB_THREADS = 0
    monkeypatch.setattr("os.cpu_count", lambda: 3)
    assert duck.threads_setting() == 3


@pytest.mark.parametrize("value", ["lots", "1 GBs", "-5MB"])
def test_bad_memory_limit_is_a_clear_configuration_error(settings, value):
    settings.OUVERT_DUCKDB_MEMORY_LIMIT = value
    with pytest.raises(ImproperlyConfigured, match="OUVERT_DUCKDB_MEMORY_LIMIT"):
        duck.connect()


def test_spatial_extension_is_the_wheels_file():
    path = duck.spatial_extension_path()
    assert path.name == "spatial.duckdb_extension"
    assert path.is_file()
    assert "duckdb_extension_spatial" in path.parts
    assert f"v{duckdb.__version__}" in path.parts


def test_spatial_functions_work_with_spatial(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    con = duck.connect(spatial=True)
    try:
        assert con.execute("SELECT ST_AsText(ST_Point(-73.56, 45.5))").fetchone()[0] == "POINT (-73.56 45.5)"
        loaded, installed = con.execute(
            "SELECT loaded, installed FROM duckdb_extensions() WHERE extension_name = 'spatial'").fetchone()
        # Loaded from the wheel's file, never installed into an extension folder.
        assert loaded is True and installed is False
        assert not list((tmp_path / "tmp" / "duckdb-extensions").rglob("*.duckdb_extension"))
    finally:
        con.close()


def test_without_spatial_st_functions_fail_and_nothing_is_downloaded(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    con = duck.connect()
    try:
        with pytest.raises(duckdb.CatalogException):
            con.execute("SELECT ST_Point(1, 2)")
        # The failed call did not install or load anything behind our back.
        loaded, installed, mode = con.execute(
            "SELECT loaded, installed, install_mode FROM duckdb_extensions() WHERE extension_name = 'spatial'"
        ).fetchone()
        assert (loaded, installed, mode) == (False, False, "NOT_INSTALLED")
        # Even an explicit INSTALL looks only in a local folder: no network.
        with pytest.raises(duckdb.IOException, match="duckdb-extensions"):
            con.execute("INSTALL excel")
        assert not list((tmp_path / "tmp" / "duckdb-extensions").rglob("*.duckdb_extension"))
    finally:
        con.close()


def test_read_only_paths_sandbox(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    allowed = tmp_path / "allowed.parquet"
    other = tmp_path / "other.csv"
    other.write_text("a\n1\n")
    setup = duck.connect()
    setup.execute(f"COPY (SELECT 42 AS answer) TO '{allowed}' (FORMAT parquet)")
    setup.close()
    con = duck.connect(read_only_paths=[allowed])
    try:
        assert con.execute(f"SELECT answer FROM read_parquet('{allowed}')").fetchone()[0] == 42
        for statement in (f"SELECT * FROM read_csv('{other}')",
                          f"COPY (SELECT 1) TO '{tmp_path / 'out.csv'}'",
                          f"SELECT * FROM read_parquet('{tmp_path}/*.parquet')",
                          f"ATTACH '{tmp_path / 'x.duckdb'}' AS x"):
            with pytest.raises(duckdb.Error):
                con.execute(statement)
        with pytest.raises(duckdb.Error, match="locked"):
            con.execute("SET enable_external_access = true")
        assert not (tmp_path / "out.csv").exists()
        assert not (tmp_path / "x.duckdb").exists()
    finally:
        con.close()


def test_quoting_helpers():
    con = duckdb.connect()
    name = 'un "nom" bizarre; DROP'
    con.execute(f"CREATE TABLE t ({duck.quote_identifier(name)} VARCHAR)")
    con.execute(f"INSERT INTO t VALUES ({duck.quote_literal(chr(39) + 'été' + chr(39))})")
    assert con.execute("SELECT * FROM t").fetchone()[0] == "'été'"
    assert con.execute("DESCRIBE t").fetchone()[0] == name
