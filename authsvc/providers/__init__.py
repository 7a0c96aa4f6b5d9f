"""Outside providers behind small interfaces: flash calls (uCaller) and VK accounts."""

from authsvc.providers.calls import CallProvider
from authsvc.providers.dev import DevCallProvider
from authsvc.providers.ucaller import UcallerProvider
from authsvc.providers.vk import VkAccount, VkClient

__all__ = ["CallProvider", "DevCallProvider", "UcallerProvider", "VkAccount", "VkClient"]
