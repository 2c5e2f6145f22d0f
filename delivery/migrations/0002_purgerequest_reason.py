from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("delivery", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="purgerequest",
            name="reason",
            field=models.CharField(
                blank=True,
                default="",
                help_text=(
                    "Why these URLs died: renditions retired, left public view, erased, by hand."
                ),
                max_length=100,
            ),
        ),
    ]
