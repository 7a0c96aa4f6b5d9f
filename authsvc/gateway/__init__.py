"""The REST gateway: the mobile app's paths and messages over the gRPC AuthService.

It holds no business logic: every path is one gRPC call, and the gRPC answer decides the
HTTP answer. FastAPI and uvicorn come with the optional ``gateway`` extra.
"""
