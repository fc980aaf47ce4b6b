"""Integrity of stored files (``quality.integrity``): ``files_verify`` re-hashes every stored version by
streaming it from ``default_storage`` (a folder, or a storage without local paths as S3's) and reports a
changed content, a changed size and a missing file in French; ``ouvert quality verify`` exits 1 on a
mismatch; the run is in the audit log and its result stays readable; the periodic job enqueues it and
tells platform admins; publishers see a note beside the resource. On SQLite and PostgreSQL."""

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from ouvert import cli
from ouvert.catalog import services as catalog_services
from ouvert.core import registry
from ouvert.core import services as core_services
from ouvert.quality import integrity, services
from tests.datastore.kit import NoPathStorage

pytestmark = pytest.mark.django_db

CSV_V1 = b"code,nom\n01,Bas-Saint-Laurent\n02,Saguenay\n"
CSV_V2 = b"code,nom\n01,Bas-Saint-Laurent\n02,Saguenay-Lac-Saint-Jean\n03,Capitale-Nationale\n"


@pytest.fixture
def stored(dataset_factory, editor):
    """Two datasets: one resource with two versions, one with a PDF; and a link (no file)."""
    first = dataset_factory(name="regions", title_fr="Régions administratives")
    regions = catalog_services.resource_create(actor=editor, dataset=first, data={"name_fr": "Régions"},
                                               upload=ContentFile(CSV_V1, name="regions.csv"))
    catalog_services.resource_update(actor=editor, resource=regions, data={}, partial=True,
                                     upload=ContentFile(CSV_V2, name="regions.csv"))
    second = dataset_factory(name="rapport", title_fr="Rapport annuel")
    report = catalog_services.resource_create(actor=editor, dataset=second, data={"name_fr": "Rapport"},
                                              upload=ContentFile(b"%PDF-1.4 rapport" * 100, name="rapport.pdf"))
    catalog_services.resource_create(actor=editor, dataset=second,
                                     data={"name_fr": "Lien", "url": "https://example.org/a.csv"})
    regions.refresh_from_db()
    return {"regions": regions, "report": report}


def _version_file(resource, number) -> str:
    return catalog_services.resource_version_get(resource=resource, number=number).file.name


def _replace(name: str, content: bytes) -> None:
    """Change a stored file behind the platform's back (same name)."""
    default_storage.delete(name)
    assert default_storage.save(name, ContentFile(content)) == name


def test_every_file_matching_exits_0_and_the_run_is_recorded(stored, capsys):
    assert cli.main(["quality", "verify"]) == 0
    out = capsys.readouterr()
    assert "3 fichier(s) vérifié(s), 0 anomalie(s)." in out.out
    last = services.files_verify_last()
    assert last["checked"] == 3 and last["mismatches"] == []
    entry = next(e for e in core_services.audit_list(limit=10) if e.action == "quality.verify")
    assert entry.data["checked"] == 3 and entry.data["mismatches"] == 0 and entry.actor is None
    assert last["audit_seq"] == entry.seq
    assert core_services.audit_verify().ok


def test_a_tampered_a_truncated_and_a_deleted_file_are_reported(stored, capsys):
    regions, report = stored["regions"], stored["report"]
    tampered = CSV_V1.replace(b"Saguenay", b"SAGUENAY")  # same size, other content
    assert len(tampered) == len(CSV_V1)
    _replace(_version_file(regions, 1), tampered)
    _replace(_version_file(regions, 2), CSV_V2[:20])  # truncated
    default_storage.delete(_version_file(report, 1))

    assert cli.main(["quality", "verify"]) == 1
    out = capsys.readouterr()
    assert "3 fichier(s) vérifié(s), 3 anomalie(s)." in out.out
    assert f"regions {regions.pk} v1 : Empreinte SHA-256 modifiée" in out.err
    assert f"regions {regions.pk} v2 : Taille modifiée : {len(CSV_V2)} octets attendus, 20 octets lus" in out.err
    assert f"rapport {report.pk} v1 : Fichier introuvable dans le stockage" in out.err

    last = services.files_verify_last()
    problems = {(item["resource_id"], item["number"]): item for item in last["mismatches"]}
    first = problems[(str(regions.pk), 1)]
    assert first["problem"] == "sha256" and first["dataset"] == "regions"
    version = catalog_services.resource_version_get(resource=regions, number=1)
    assert first["expected"] == version.sha256 and first["actual"] != version.sha256
    assert first["file"] == version.file.name and first["actual_size"] == first["expected_size"] == len(CSV_V1)
    assert problems[(str(regions.pk), 2)]["problem"] == "size"
    assert problems[(str(regions.pk), 2)]["actual_size"] == 20
    missing = problems[(str(report.pk), 1)]
    assert missing["problem"] == "missing" and missing["actual"] is None
    entry = next(e for e in core_services.audit_list(limit=10) if e.action == "quality.verify")
    assert entry.data["mismatches"] == 3 and entry.data["sha256"] == entry.data["size"] == entry.data["missing"] == 1
    assert len(entry.data["details"]) == 3

    # The file put back as it was: all fine again.
    _replace(_version_file(regions, 1), CSV_V1)
    _replace(_version_file(regions, 2), CSV_V2)
    default_storage.save(_version_file(report, 1), ContentFile(b"%PDF-1.4 rapport" * 100))
    assert cli.main(["quality", "verify"]) == 0


def test_the_latest_result_survives_a_lost_cache_through_the_audit_log(stored):
    assert services.files_verify_last() is None
    default_storage.delete(_version_file(stored["report"], 1))
    report = services.files_verify()
    cache.clear()
    last = services.files_verify_last()
    assert last["checked"] == 3 and last["truncated"] is False and last["audit_seq"] == report["audit_seq"]
    assert [item["problem"] for item in last["mismatches"]] == ["missing"]
    assert "introuvable" in last["mismatches"][0]["message"]


def test_progress_is_reported_file_by_file(stored):
    calls = []
    services.files_verify(progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]


class _CountingStorage(NoPathStorage):
    """A storage without local paths (as S3's) that remembers the largest read asked of its files."""

    largest = 0

    def open(self, name, mode="rb"):
        return _CountedFile(super().open(name, mode))


class _CountedFile:
    def __init__(self, handle):
        self.handle = handle

    def read(self, size=-1):
        _CountingStorage.largest = max(_CountingStorage.largest, size if size is not None and size >= 0 else 10 ** 12)
        return self.handle.read(size)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.handle.close()


def test_files_are_streamed_from_a_storage_without_local_paths(settings, dataset_factory, editor):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": f"{__name__}._CountingStorage"}}
    dataset = dataset_factory(name="gros-fichier")
    content = b"0123456789abcdef" * (3 * 1024 * 1024 // 16 + 7)  # a little over 3 MiB
    resource = catalog_services.resource_create(actor=editor, dataset=dataset, data={"name_fr": "Gros"},
                                                upload=ContentFile(content, name="gros.csv"))
    with pytest.raises(NotImplementedError):
        default_storage.path(_version_file(resource, 1))
    _CountingStorage.largest = 0
    report = services.files_verify()
    assert report["checked"] == 1 and report["mismatches"] == []
    assert 0 < _CountingStorage.largest <= integrity.CHUNK  # never the whole file at once
    _replace(_version_file(resource, 1), content[:-1] + b"!")
    (problem,) = services.files_verify()["mismatches"]
    assert problem["problem"] == "sha256" and problem["actual_size"] == len(content)


def test_the_periodic_job_runs_the_verification_and_tells_admins(stored, admin_user, editor):
    from ouvert.core.models import Notification

    job = next(job for job in registry.periodic_jobs() if job.name == "quality.files_verify")
    assert job.every_seconds == integrity.DEFAULT_VERIFY_SECONDS
    job.func()  # enqueues the task (run at once in tests)
    assert services.files_verify_last()["checked"] == 3
    assert not Notification.objects.exists()  # nothing to say
    default_storage.delete(_version_file(stored["report"], 1))
    job.func()
    (note,) = Notification.objects.all()
    assert note.recipient == admin_user and "1 fichier(s) altéré(s) ou manquant(s)" in note.subject
    assert "rapport" in note.body and "introuvable" in note.body


def test_publishers_see_a_note_beside_an_altered_file(client, stored, editor, member):
    _replace(_version_file(stored["regions"], 2), b"autre chose")
    services.files_verify()
    url = "/fr/catalogue/jeux/regions/"
    assert "Vérification d’intégrité" not in client.get(url).content.decode()
    client.force_login(member)  # reads, does not edit
    assert "Vérification d’intégrité" not in client.get(url).content.decode()
    client.force_login(editor)
    page = client.get(url).content.decode()
    assert "Vérification d’intégrité : la version 2 du fichier ne correspond plus à son empreinte" in page


def test_a_file_without_a_name_and_an_unreadable_file_are_reported():
    missing = integrity.file_version_check({"file": "", "sha256": "0" * 64, "size": 3, "resource_id": "x",
                                            "number": 1, "dataset_name": "d"})
    assert missing["problem"] == "missing" and "(aucun nom)" in missing["message"]
    default_storage.save("quality-test/dossier/fichier.txt", ContentFile(b"abc"))
    unreadable = integrity.file_version_check({"file": "quality-test/dossier", "sha256": "0" * 64, "size": 3,
                                               "resource_id": "x", "number": 1, "dataset_name": "d"})
    assert unreadable["problem"] == "unreadable" and "illisible" in unreadable["message"]


# --- CKAN Action API ---------------------------------------------------------------------------------

def test_resource_version_list_gives_every_version_s_checksum(client, stored, editor, dataset_factory):
    import hashlib

    regions = stored["regions"]
    response = client.get("/api/3/action/resource_version_list", {"id": str(regions.pk)})
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    newest, oldest = body["result"]
    assert (newest["number"], newest["current"], oldest["number"], oldest["current"]) == (2, True, 1, False)
    assert newest["sha256"] == hashlib.sha256(CSV_V2).hexdigest() and newest["size"] == len(CSV_V2)
    assert oldest["sha256"] == hashlib.sha256(CSV_V1).hexdigest() and oldest["size"] == len(CSV_V1)
    assert oldest["checksum"] == {"algorithm": "http://spdx.org/rdf/terms#checksumAlgorithm_sha256",
                                  "value": oldest["sha256"]}
    path = oldest["url"].split("//", 1)[1].split("/", 1)[1]
    download = client.get("/" + path)
    assert download.status_code == 200 and b"".join(download.streaming_content) == CSV_V1
    link = next(r for r in catalog_services.resource_list(dataset=stored["report"].dataset) if r.kind == "link")
    assert client.get("/api/3/action/resource_version_list", {"id": str(link.pk)}).json()["result"] == []

    # Hostile input: nothing, a malformed or unknown id, a private dataset's resource.
    missing = client.get("/api/3/action/resource_version_list")
    assert missing.status_code == 409 and "id" in missing.json()["error"]
    for value in ("pas-un-uuid", "00000000-0000-0000-0000-000000000000"):
        assert client.get("/api/3/action/resource_version_list", {"id": value}).status_code == 404
    private = dataset_factory(name="prive", private=True)
    secret = catalog_services.resource_create(actor=editor, dataset=private, data={"name_fr": "Secret"},
                                              upload=ContentFile(b"a\n1\n", name="secret.csv"))
    assert client.get("/api/3/action/resource_version_list", {"id": str(secret.pk)}).status_code == 404
    client.force_login(editor)
    assert len(client.get("/api/3/action/resource_version_list", {"id": str(secret.pk)}).json()["result"]) == 1


def test_quality_verify_show_is_for_platform_admins(client, stored, editor, admin_user):
    assert client.get("/api/3/action/quality_verify_show").status_code == 403
    client.force_login(editor)
    assert client.get("/api/3/action/quality_verify_show").status_code == 403
    client.force_login(admin_user)
    none_yet = client.get("/api/3/action/quality_verify_show")
    assert none_yet.status_code == 404 and "ouvert quality verify" in none_yet.json()["error"]["message"]
    default_storage.delete(_version_file(stored["report"], 1))
    services.files_verify()
    result = client.get("/api/3/action/quality_verify_show").json()["result"]
    assert result["checked"] == 3 and [m["problem"] for m in result["mismatches"]] == ["missing"]
