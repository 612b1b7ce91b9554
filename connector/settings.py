"""erplink's settings: environment variables (prefix `ERPLINK_`) over defaults.

Secrets (the token encryption key, ERP credentials) come from the environment only;
the policy and price list mapping come from the TOML file named by `policy_file`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = Path("var")


class Settings(BaseSettings):
    """Everything an operator can set. Defaults run the embedded setup.

    Attributes:
        database_url: SQLAlchemy async URL; SQLite in `data_dir` by default.
        public_url: where Saleor reaches erplink (manifest and webhook URLs).
        secret_key: encrypts app tokens at rest; generated into `data_dir` if unset.
        allowed_saleor_urls: Saleor API URLs allowed to install; empty allows any.
        policy_file: TOML with `[policy]` and `[price_lists]`.
        adapter: ERP adapter name (entry point in group `erplink.erp_adapters`).
        adapter_options: options for that adapter (ERPLINK_ADAPTER_OPTIONS as JSON).
        invite_link_template: the storefront's registration link with `{token}`
            where the invite goes, e.g. `https://shop.example.com/register?invite=
            {token}`.
        campaign_launch: the day the registration program started (ISO date); the
            funnel counts months from it. Empty: the day of the first invite.
        login_refresh_s: how often `serve` reads customers' last login from Saleor.
    """

    model_config = SettingsConfigDict(env_prefix="ERPLINK_", extra="ignore")

    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = ""
    public_url: str = "http://127.0.0.1:8000"
    secret_key: SecretStr | None = None
    allowed_saleor_urls: list[str] = Field(default_factory=list)
    policy_file: Path = ROOT / "erplink.toml"
    adapter: str = "csv"
    adapter_options: dict[str, str] = Field(
        default_factory=lambda: {
            "accounts": str(ROOT / "erp_adapters" / "data" / "accounts.csv"),
            "contacts": str(ROOT / "erp_adapters" / "data" / "contacts.csv"),
        }
    )
    max_body_bytes: int = 256 * 1024
    run_worker: bool = True
    worker_concurrency: int = 8
    worker_batch: int = 20
    worker_poll_s: float = 0.5
    lease_s: float = 60.0
    max_attempts: int = 8
    backoff_base_s: float = 2.0
    backoff_max_s: float = 600.0
    jwks_refetch_interval_s: float = 30.0
    saleor_timeout_s: float = 10.0
    log_json: bool | None = None
    invite_link_template: str = ""
    campaign_launch: str = ""
    login_refresh_s: float = 3600.0

    def resolved_database_url(self) -> str:
        """The configured database, or SQLite inside the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'erplink.db'}"

    def resolved_secret(self) -> str:
        """The token encryption key; generated once into the data directory.

        A generated key lives beside the SQLite file it protects, which suits the
        embedded setup only: production sets ERPLINK_SECRET_KEY from a secret store.
        """
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.data_dir / "secret.key"
        if not path.exists():
            import secrets

            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
        return path.read_text().strip()

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some values changed (for the CLI and tests)."""
        return self.model_copy(update=changes)
