"""The WHMCS sync: clients, their products and domains pulled through WHMCS's API
(`client.py`), turned into hosting records (`mapping.py`) and applied by the sync engine
(`run.py`), on a schedule (`tasks.py`), with each run's report in the admin (`admin.py`).

Settings and run history live in `hosting.models` (`WhmcsConnection`, `WhmcsSyncRun`)."""
