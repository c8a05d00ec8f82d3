"""The kinds of service a station's volunteers offer in slots (the e-bike repair group's list
in the pilot). Each has a catalogue name `stations.kind.<code>`."""

from __future__ import annotations

from services.errors import Invalid

KINDS = (
    "puncture",  # 补胎
    "tyre",  # 换外胎
    "tube",  # 换内胎
    "pump",  # 打气
    "brake_adjust",  # 调刹车
    "brake_pads",  # 换刹车片
    "brake_cable",  # 换刹车线
    "chain",  # 链条
    "lights",  # 车灯
    "horn",  # 喇叭
    "mirror",  # 后视镜
    "battery_check",  # 电池检测
    "charger_check",  # 充电器检测
    "wiring",  # 线路
    "controller",  # 控制器
    "motor",  # 电机
    "throttle",  # 转把
    "seat",  # 车座
    "stand",  # 脚撑
    "mudguard",  # 挡泥板
    "rack",  # 货架 / 外卖箱架
    "lock",  # 车锁
    "safety_check",  # 安全检查
)


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise Invalid("slot_kind_unknown", kind=kind, kinds=", ".join(KINDS))
    return kind
