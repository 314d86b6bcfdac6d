"""The serious illegal and dishonest list's reason for a false notification-and-commitment letter
(listings/commitments.py breach_listing; docs/rules.md 6.2)."""

from django.db import migrations

CODE = "false_commitment"
NAME = "以告知承诺方式取得行政许可，经核查承诺不实、虚假承诺"
NAME_EN = "Approval obtained by notification and commitment; the commitment was found false"


def add_reason(apps, schema_editor):
    CreditList = apps.get_model("listings", "CreditList")
    ListReason = apps.get_model("listings", "ListReason")
    credit_list = CreditList.objects.filter(code="serious-illegal").first()
    if credit_list is None:
        return
    ListReason.objects.update_or_create(
        credit_list=credit_list, code=CODE,
        defaults={"name": NAME, "name_en": NAME_EN, "bars_legal_representative": False},
    )


def keep_reason(apps, schema_editor):
    # Entries may name the reason; nothing published is deleted.
    pass


class Migration(migrations.Migration):

    dependencies = [("listings", "0009_credit_repair")]

    operations = [migrations.RunPython(add_reason, keep_reason)]
