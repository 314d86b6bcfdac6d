import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import trans_real


@pytest.fixture
def fresh_catalogues():
    # Django caches loaded catalogues per language; drop them around the test so that
    # the catalogue compiled here is the one read, and the real one is read afterwards.
    trans_real._translations = {}
    trans_real._default = None
    yield
    trans_real._translations = {}
    trans_real._default = None


def test_compiled_catalogue_translates_interface_text(tmp_path, settings, fresh_catalogues):
    # Compile into a temporary copy so the test proves the command, not a stale .mo.
    po = next(iter(settings.LOCALE_PATHS)) / "zh_Hans" / "LC_MESSAGES" / "django.po"
    target = tmp_path / "zh_Hans" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "django.po").write_bytes(po.read_bytes())
    settings.LOCALE_PATHS = [tmp_path]
    call_command("compiletranslations", verbosity=0)
    assert (target / "django.mo").stat().st_size > 1000
    with translation.override("zh-hans"):
        assert translation.gettext("Search") == "检索"


def test_every_interface_string_has_a_chinese_translation():
    import polib

    po = polib.pofile(str(settings.LOCALE_PATHS[0] / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    untranslated = [entry.msgid for entry in po.untranslated_entries() if not entry.obsolete]
    assert untranslated == []
    assert not [entry.msgid for entry in po if "fuzzy" in entry.flags]


def test_plural_entries_match_the_declared_plural_forms():
    # Chinese has one plural form; an extra msgstr[1] makes GNU msgfmt reject the file.
    import polib

    po = polib.pofile(str(settings.LOCALE_PATHS[0] / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    assert "nplurals=1;" in po.metadata["Plural-Forms"]
    assert [entry.msgid for entry in po if entry.msgid_plural and len(entry.msgstr_plural) != 1] == []
