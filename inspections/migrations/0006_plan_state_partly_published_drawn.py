"""Issue 8: publishing some of a plan's results marked the whole plan "results published".
A plan is "results published" only once every selected firm's result is published
(services.plan_results_publish); plans marked before that fix go back to "drawn"."""

from django.db import migrations


def forwards(apps, schema_editor):
    Plan = apps.get_model("inspections", "Plan")
    Task = apps.get_model("inspections", "Task")
    partly = Task.objects.filter(plan__state="published", published_at__isnull=True).values("plan_id")
    Plan.objects.filter(pk__in=partly).update(state="drawn", published_at=None)


class Migration(migrations.Migration):
    dependencies = [("inspections", "0005_plan_entropy_available_at")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
