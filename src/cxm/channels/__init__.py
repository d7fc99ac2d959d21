"""Pluggable outbound channels — e-mail (SMTP relay), SMS (HTTP gateway), WeCom and
DingTalk group robots — each send logged in ``channel_sends`` with its outcome."""

from __future__ import annotations

from cxm.channels.base import Channel, Delivery, Message, log_deliveries
from cxm.channels.email import ChannelUnavailable, EmailChannel, read_bounce
from cxm.channels.http import DingTalkRobot, SmsGateway, WeComRobot
from cxm.channels.models import ChannelSend, SendOutcome
from cxm.channels.registry import CHANNELS, get_channel, record_bounces, register_channel
from cxm.channels.settings import ChannelSettings, load_channel_settings

__all__ = [
    "CHANNELS",
    "Channel",
    "ChannelSend",
    "ChannelSettings",
    "ChannelUnavailable",
    "Delivery",
    "DingTalkRobot",
    "EmailChannel",
    "Message",
    "SendOutcome",
    "SmsGateway",
    "WeComRobot",
    "get_channel",
    "load_channel_settings",
    "log_deliveries",
    "read_bounce",
    "record_bounces",
    "register_channel",
]
