from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

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
    __slots__ = ("user_id", "message")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    message: str
    def __init__(self, user_id: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class EntranceVkRequest(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class EntranceVkResponse(_message.Message):
    __slots__ = ("registration_id", "message")
    REGISTRATION_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    registration_id: str
    message: str
    def __init__(self, registration_id: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

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
