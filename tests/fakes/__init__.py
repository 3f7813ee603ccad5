"""Local HTTP servers that speak the providers' wire formats, for the real SDKs to talk to in tests."""
