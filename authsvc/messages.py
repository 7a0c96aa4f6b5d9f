"""Client-facing messages that the mobile app already depends on, kept word for word."""

CALL_PLACED = "You will receive a call to your phone number, enter the last 4 digits"
REGISTERED = "You have successfully registered"
VK_CONNECTED = (
    "Your VK account is successfully found and connected. Enter the phone number to confirm it."
)

PHONE_TAKEN = "The user is in the database"
PASSWORDS_MISMATCH = "Passwords don't match"
PHONE_INVALID = "The number does not meet the standard"
PHONE_INVALID_VK = "The number does not meet the standard +7, 8, 7 and 10 digits per line"
CALL_FAILED = "Error working with the number confirmation service"
CODE_INVALID = "The verification code is not correct"
CODE_INVALID_VK = "Confirmation keys are not correct"
VK_TOKEN_INVALID = "VK token is not valid"

# Messages of our own, for operations the seed did not have.
SIGNED_IN = "You have successfully signed in"
SIGNED_IN_VK = "You have successfully signed in with VK"
SIGNED_OUT = "You have successfully signed out"
