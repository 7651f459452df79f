"""The sales-KPI warehouse's Superset layer: settings, provisioning, asset bundle and metric generation."""
