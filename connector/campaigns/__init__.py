"""Registration campaigns: signed invite tokens, mail-merge files and QR codes,
redemption at registration, attribution and the adoption funnel."""
