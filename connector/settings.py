"""erplink's settings: environment variables (prefix `ERPLINK_`) over defaults.

Secrets (the token encryption key, ERP credentials) come from the environment only;
the policy and price list mapping come from the TOML file named by `policy_file`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from erp_adapters.guard_data import ResilienceSettings

ROOT = Path(__file__).resolve().parent.parent
# The guard's numbers have one home: its own dataclass.
GUARD_DEFAULTS = ResilienceSettings()
DEFAULT_DATA_DIR = Path("var")
SAMPLE_ADAPTER_OPTIONS = {
    "accounts": str(ROOT / "erp_adapters" / "data" / "accounts.csv"),
    "contacts": str(ROOT / "erp_adapters" / "data" / "contacts.csv"),
}


class Settings(BaseSettings):
    """Everything an operator can set. Defaults run the embedded setup.

    Attributes:
        database_url: SQLAlchemy async URL; SQLite in `data_dir` by default.
        public_url: where Saleor reaches erplink (manifest and webhook URLs).
        secret_key: encrypts app tokens at rest; generated into `data_dir` if unset.
        allowed_saleor_urls: Saleor API URLs allowed to install; empty allows any.
        policy_file: TOML with `[policy]` and `[price_lists]`.
        adapter: ERP adapter name (entry point in group `erplink.erp_adapters`).
            Unless set, `[adapter] name` in `policy_file` decides, see
            `connector/adapter_config.py`, which is where the adapter is chosen.
        adapter_options: options for that adapter (ERPLINK_ADAPTER_OPTIONS as JSON,
            for secrets); when set, merged key by key over `[adapter.options]`.
            The default is the sample CSV export.
        erp_timeout_s ... erp_breaker_reset_s: the guard around the adapter (see
            `erp_adapters/resilience.py`).
        smtp_host, smtp_port, smtp_security, smtp_username, smtp_password: the SMTP
            server rep e-mails and digests go through; no host means no mail is
            sent. The password comes from the environment only and is never logged.
        mail_from: the From address of every mail erplink sends.
        review_link_ttl_s: how long a one-click Confirm/Reject link stays valid.
        admin_emails: who receives the digest of links waiting for an admin.
        digest_interval_s: how often the worker sends that digest.
        adapter_options: options for that adapter (ERPLINK_ADAPTER_OPTIONS as JSON).
        invite_link_template: the storefront's registration link with `{token}`
            where the invite goes, e.g. `https://shop.example.com/register?invite=
            {token}`.
        campaign_launch: the day the registration program started (ISO date); the
            funnel counts months from it. Empty: the day of the first invite.
        login_refresh_s: how often `serve` reads customers' last login from Saleor.
        intake_helper: on the SQLite store, check and write new customer webhook
            deliveries in a helper process that `serve` starts (webhooks/intake.py
            says why); off, or until it is ready, they are taken in this process.
    """

    model_config = SettingsConfigDict(env_prefix="ERPLINK_", extra="ignore")

    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = ""
    public_url: str = "http://127.0.0.1:8000"
    secret_key: SecretStr | None = None
    allowed_saleor_urls: list[str] = Field(default_factory=list)
    policy_file: Path = ROOT / "erplink.toml"
    adapter: str = "csv"
    adapter_options: dict[str, Any] = Field(
        default_factory=lambda: dict(SAMPLE_ADAPTER_OPTIONS)
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
    intake_helper: bool = True
    saleor_timeout_s: float = 10.0
    log_json: bool | None = None
    erp_timeout_s: float = Field(default=GUARD_DEFAULTS.timeout_s, gt=0)
    erp_max_concurrency: int = Field(default=GUARD_DEFAULTS.max_concurrency, ge=1)
    erp_retries: int = Field(default=GUARD_DEFAULTS.retries, ge=0)
    erp_retry_backoff_s: float = Field(default=GUARD_DEFAULTS.retry_backoff_s, ge=0)
    erp_retry_budget: float = Field(default=GUARD_DEFAULTS.retry_budget, ge=0)
    erp_retry_budget_per_s: float = Field(
        default=GUARD_DEFAULTS.retry_budget_per_s, ge=0
    )
    erp_breaker_failures: int = Field(default=GUARD_DEFAULTS.breaker_failures, ge=1)
    erp_breaker_reset_s: float = Field(default=GUARD_DEFAULTS.breaker_reset_s, gt=0)
    # Rep e-mails and the admin digest (see README, "Rep e-mails").
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_security: Literal["none", "starttls", "ssl"] = "none"
    smtp_username: str = ""
    smtp_password: SecretStr | None = None
    smtp_timeout_s: float = 10.0
    mail_from: str = "erplink <erplink@localhost>"
    mail_poll_s: float = 5.0
    mail_max_attempts: int = 10
    mail_retry_base_s: float = 30.0
    mail_retry_max_s: float = 3600.0
    review_link_ttl_s: float = 7 * 24 * 3600.0
    admin_emails: list[str] = Field(default_factory=list)
    digest_interval_s: float = 24 * 3600.0
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
