"""The integration suite's fixtures that read what moto captured (the OTP SMS) and run the
consumers, for the browser tests."""

from tests.integration.conftest import consume, deliver_notifications, latest_otp, outbox  # noqa: F401
