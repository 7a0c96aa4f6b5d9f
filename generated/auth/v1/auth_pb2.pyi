import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Session(_message.Message):
    __slots__ = ("session_id", "access_token", "access_token_expires_in_seconds", "refresh_token", "refresh_token_expires_in_seconds", "token_type")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ACCESS_TOKEN_EXPIRES_IN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TOKEN_EXPIRES_IN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    TOKEN_TYPE_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    access_token: str
    access_token_expires_in_seconds: int
    refresh_token: str
    refresh_token_expires_in_seconds: int
    token_type: str
    def __init__(self, session_id: _Optional[str] = ..., access_token: _Optional[str] = ..., access_token_expires_in_seconds: _Optional[int] = ..., refresh_token: _Optional[str] = ..., refresh_token_expires_in_seconds: _Optional[int] = ..., token_type: _Optional[str] = ...) -> None: ...

class CallInfo(_message.Message):
    __slots__ = ("code_length", "code_expires_in_seconds", "retry_call_in_seconds")
    CODE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    CODE_EXPIRES_IN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    RETRY_CALL_IN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    code_length: int
    code_expires_in_seconds: int
    retry_call_in_seconds: int
    def __init__(self, code_length: _Optional[int] = ..., code_expires_in_seconds: _Optional[int] = ..., retry_call_in_seconds: _Optional[int] = ...) -> None: ...

class BeginRegistrationRequest(_message.Message):
    __slots__ = ("first_name", "last_name", "phone", "password", "confirmations_password")
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    CONFIRMATIONS_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    first_name: str
    last_name: str
    phone: str
    password: str
    confirmations_password: str
    def __init__(self, first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., phone: _Optional[str] = ..., password: _Optional[str] = ..., confirmations_password: _Optional[str] = ...) -> None: ...

class BeginRegistrationResponse(_message.Message):
    __slots__ = ("registration_id", "message", "call")
    REGISTRATION_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CALL_FIELD_NUMBER: _ClassVar[int]
    registration_id: str
    message: str
    call: CallInfo
    def __init__(self, registration_id: _Optional[str] = ..., message: _Optional[str] = ..., call: _Optional[_Union[CallInfo, _Mapping]] = ...) -> None: ...

class EndRegistrationRequest(_message.Message):
    __slots__ = ("registration_id", "code")
    REGISTRATION_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    registration_id: str
    code: str
    def __init__(self, registration_id: _Optional[str] = ..., code: _Optional[str] = ...) -> None: ...

class EndRegistrationResponse(_message.Message):
    __slots__ = ("user_id", "message", "session")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    message: str
    session: Session
    def __init__(self, user_id: _Optional[str] = ..., message: _Optional[str] = ..., session: _Optional[_Union[Session, _Mapping]] = ...) -> None: ...

class EntranceVkRequest(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class EntranceVkResponse(_message.Message):
    __slots__ = ("registration_id", "message", "session", "user_id")
    REGISTRATION_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    registration_id: str
    message: str
    session: Session
    user_id: str
    def __init__(self, registration_id: _Optional[str] = ..., message: _Optional[str] = ..., session: _Optional[_Union[Session, _Mapping]] = ..., user_id: _Optional[str] = ...) -> None: ...

class ConfirmationPhoneRequest(_message.Message):
    __slots__ = ("registration_id", "phone")
    REGISTRATION_ID_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    registration_id: str
    phone: str
    def __init__(self, registration_id: _Optional[str] = ..., phone: _Optional[str] = ...) -> None: ...

class ConfirmationPhoneResponse(_message.Message):
    __slots__ = ("registration_id", "message", "call")
    REGISTRATION_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CALL_FIELD_NUMBER: _ClassVar[int]
    registration_id: str
    message: str
    call: CallInfo
    def __init__(self, registration_id: _Optional[str] = ..., message: _Optional[str] = ..., call: _Optional[_Union[CallInfo, _Mapping]] = ...) -> None: ...

class RepeatCallRequest(_message.Message):
    __slots__ = ("registration_id",)
    REGISTRATION_ID_FIELD_NUMBER: _ClassVar[int]
    registration_id: str
    def __init__(self, registration_id: _Optional[str] = ...) -> None: ...

class RepeatCallResponse(_message.Message):
    __slots__ = ("registration_id", "message", "call")
    REGISTRATION_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CALL_FIELD_NUMBER: _ClassVar[int]
    registration_id: str
    message: str
    call: CallInfo
    def __init__(self, registration_id: _Optional[str] = ..., message: _Optional[str] = ..., call: _Optional[_Union[CallInfo, _Mapping]] = ...) -> None: ...

class SignInRequest(_message.Message):
    __slots__ = ("phone", "password")
    PHONE_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    phone: str
    password: str
    def __init__(self, phone: _Optional[str] = ..., password: _Optional[str] = ...) -> None: ...

class SignInResponse(_message.Message):
    __slots__ = ("user_id", "message", "session")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    message: str
    session: Session
    def __init__(self, user_id: _Optional[str] = ..., message: _Optional[str] = ..., session: _Optional[_Union[Session, _Mapping]] = ...) -> None: ...

class RefreshSessionRequest(_message.Message):
    __slots__ = ("refresh_token",)
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    refresh_token: str
    def __init__(self, refresh_token: _Optional[str] = ...) -> None: ...

class RefreshSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: Session
    def __init__(self, session: _Optional[_Union[Session, _Mapping]] = ...) -> None: ...

class SignOutRequest(_message.Message):
    __slots__ = ("refresh_token", "access_token", "all_sessions")
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ALL_SESSIONS_FIELD_NUMBER: _ClassVar[int]
    refresh_token: str
    access_token: str
    all_sessions: bool
    def __init__(self, refresh_token: _Optional[str] = ..., access_token: _Optional[str] = ..., all_sessions: _Optional[bool] = ...) -> None: ...

class SignOutResponse(_message.Message):
    __slots__ = ("message", "ended_sessions")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ENDED_SESSIONS_FIELD_NUMBER: _ClassVar[int]
    message: str
    ended_sessions: int
    def __init__(self, message: _Optional[str] = ..., ended_sessions: _Optional[int] = ...) -> None: ...

class VerifyAccessTokenRequest(_message.Message):
    __slots__ = ("access_token",)
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    def __init__(self, access_token: _Optional[str] = ...) -> None: ...

class VerifyAccessTokenResponse(_message.Message):
    __slots__ = ("user_id", "session_id", "expires_at")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    session_id: str
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, user_id: _Optional[str] = ..., session_id: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetJwksRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class JsonWebKey(_message.Message):
    __slots__ = ("kty", "crv", "x", "y", "kid", "alg", "use")
    KTY_FIELD_NUMBER: _ClassVar[int]
    CRV_FIELD_NUMBER: _ClassVar[int]
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    KID_FIELD_NUMBER: _ClassVar[int]
    ALG_FIELD_NUMBER: _ClassVar[int]
    USE_FIELD_NUMBER: _ClassVar[int]
    kty: str
    crv: str
    x: str
    y: str
    kid: str
    alg: str
    use: str
    def __init__(self, kty: _Optional[str] = ..., crv: _Optional[str] = ..., x: _Optional[str] = ..., y: _Optional[str] = ..., kid: _Optional[str] = ..., alg: _Optional[str] = ..., use: _Optional[str] = ...) -> None: ...

class GetJwksResponse(_message.Message):
    __slots__ = ("keys",)
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[JsonWebKey]
    def __init__(self, keys: _Optional[_Iterable[_Union[JsonWebKey, _Mapping]]] = ...) -> None: ...

class GetProfileRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetProfileResponse(_message.Message):
    __slots__ = ("user_id", "first_name", "last_name", "phone", "vk_linked", "registered_at")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    VK_LINKED_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_AT_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    first_name: str
    last_name: str
    phone: str
    vk_linked: bool
    registered_at: _timestamp_pb2.Timestamp
    def __init__(self, user_id: _Optional[str] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., phone: _Optional[str] = ..., vk_linked: _Optional[bool] = ..., registered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
