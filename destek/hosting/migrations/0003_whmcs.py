# WHMCS sync: connections, runs and the clients' details kept between runs (issue 15).

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('hosting', '0002_import_jobs'),
    ]

    operations = [
        migrations.CreateModel(
            name='WhmcsConnection',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(default='WHMCS', max_length=100, verbose_name='name')),
                ('source', models.SlugField(default='whmcs', help_text='Names the services this connection brings in. Keep it once services exist: changing it makes them new services.', max_length=32, unique=True, verbose_name='source')),
                ('url', models.URLField(help_text='The address of your WHMCS, e.g. https://billing.example.com (the API is /includes/api.php under it).', max_length=300, verbose_name='WHMCS address')),
                ('identifier', models.CharField(max_length=128, verbose_name='API identifier')),
                ('sealed_secret', models.TextField(blank=True, default='', editable=False, verbose_name='API secret (encrypted)')),
                ('enabled', models.BooleanField(default=True, verbose_name='enabled')),
                ('interval_minutes', models.PositiveIntegerField(default=60, validators=[django.core.validators.MinValueValidator(5)], verbose_name='sync every (minutes)')),
                ('kind_map', models.JSONField(blank=True, default=dict, help_text='WHMCS product group names and the kind of service they sell, e.g. {"VPS": "vps", "Dedicated Servers": "dedicated", "SSL": "ssl"}. Groups not listed follow the product type (shared, reseller, dedicated, other).', verbose_name='service kinds by product group')),
                ('default_currency', models.CharField(default='USD', help_text="Your WHMCS's default currency, used when a client's is not known.", max_length=3, verbose_name='default currency')),
                ('fetch_client_details', models.BooleanField(default=True, help_text='Read the currency, phone and language of each new or changed client (one more API call per such client).', verbose_name='read client details')),
                ('page_size', models.PositiveIntegerField(default=250, validators=[django.core.validators.MinValueValidator(10)], verbose_name='rows per API call')),
                ('claimed_until', models.DateTimeField(blank=True, editable=False, null=True)),
                ('last_started_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='last run started')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
            ],
            options={
                'verbose_name': 'WHMCS connection',
                'verbose_name_plural': 'WHMCS connections',
            },
        ),
        migrations.CreateModel(
            name='WhmcsClientDetails',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('client_id', models.PositiveIntegerField()),
                ('signature', models.CharField(max_length=64)),
                ('details', models.JSONField(default=dict)),
                ('fetched_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('connection', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='client_details', to='hosting.whmcsconnection')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('connection', 'client_id'), name='whmcs_client_details_unique')],
            },
        ),
        migrations.CreateModel(
            name='WhmcsSyncRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('manual', models.BooleanField(default=False, verbose_name='started by hand')),
                ('started_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='started')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished')),
                ('status', models.CharField(choices=[('running', 'Running'), ('success', 'Complete'), ('partial', 'Partial'), ('failed', 'Failed')], default='running', max_length=16, verbose_name='status')),
                ('created', models.JSONField(blank=True, default=dict, verbose_name='rows created')),
                ('updated', models.JSONField(blank=True, default=dict, verbose_name='rows updated')),
                ('unchanged', models.JSONField(blank=True, default=dict, verbose_name='rows unchanged')),
                ('deleted', models.JSONField(blank=True, default=dict, verbose_name='cancelled (gone from WHMCS)')),
                ('error_count', models.PositiveIntegerField(default=0, verbose_name='errors')),
                ('errors', models.JSONField(blank=True, default=list, verbose_name='first errors')),
                ('message', models.TextField(blank=True, default='', verbose_name='message')),
                ('pages', models.PositiveIntegerField(default=0, verbose_name='pages fetched')),
                ('failed_pages', models.PositiveIntegerField(default=0, verbose_name='pages failed')),
                ('calls', models.PositiveIntegerField(default=0, verbose_name='API calls')),
                ('connection', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='runs', to='hosting.whmcsconnection', verbose_name='connection')),
            ],
            options={
                'verbose_name': 'WHMCS sync run',
                'verbose_name_plural': 'WHMCS sync runs',
                'indexes': [models.Index(fields=['connection', '-started_at'], name='whmcs_run_latest')],
            },
        ),
    ]
