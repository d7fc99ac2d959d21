"""The words of the demo company: a Chinese home-appliance retailer with its teams, cities,
channels, products, and the texts customers and staff write.

Data, not logic: the generator draws from these lists. Chinese because the documents'
market is Chinese; the codes (journey stages, churn reasons) stay the system's own.
"""

from __future__ import annotations

from datetime import date

__all__ = [
    "AREAS",
    "CHANNELS",
    "CHANNEL_WEIGHTS",
    "CHURN_NOTES",
    "CITIES",
    "COMPETITORS",
    "COMPLAINT_NOTES",
    "END",
    "FAMILY_EVENTS",
    "GIVEN_CHARS",
    "HOBBIES",
    "PREFERENCES",
    "PRODUCTS",
    "START",
    "SURNAMES",
    "TEAMS",
    "TOUCHPOINT_CHANNELS",
]

#: The two years the demo covers (fixed, so that a seed gives the same company on any day).
START = date(2024, 10, 1)
END = date(2026, 9, 30)

#: Sales areas; each team serves one area.
AREAS: tuple[str, ...] = ("华北", "华东", "华南", "西南")

#: City (the customer's region) → (area, weight in the customer base).
CITIES: dict[str, tuple[str, float]] = {
    "北京": ("华北", 0.12),
    "天津": ("华北", 0.05),
    "石家庄": ("华北", 0.03),
    "上海": ("华东", 0.13),
    "杭州": ("华东", 0.08),
    "南京": ("华东", 0.07),
    "苏州": ("华东", 0.06),
    "广州": ("华南", 0.10),
    "深圳": ("华南", 0.11),
    "厦门": ("华南", 0.04),
    "成都": ("西南", 0.12),
    "重庆": ("西南", 0.09),
}

#: Service teams: name → area served.
TEAMS: dict[str, str] = {
    "华北服务一组": "华北",
    "华北服务二组": "华北",
    "华东服务一组": "华东",
    "华东服务二组": "华东",
    "华东服务三组": "华东",
    "华南服务一组": "华南",
    "华南服务二组": "华南",
    "西南服务一组": "西南",
}

#: Channels through which customers were won, with their share.
CHANNELS: tuple[str, ...] = ("门店", "线上", "电话", "经销商")
CHANNEL_WEIGHTS: tuple[float, ...] = (0.40, 0.35, 0.10, 0.15)

#: Channels of a contact (a delivery or a repair happens at the customer's home).
TOUCHPOINT_CHANNELS: tuple[str, ...] = ("门店", "线上", "电话", "经销商", "上门")

#: Products: name → (list price in yuan, gross margin, needs delivery and installation).
PRODUCTS: dict[str, tuple[float, float, bool]] = {
    "空调": (3600.0, 0.22, True),
    "冰箱": (4200.0, 0.20, True),
    "洗衣机": (2800.0, 0.20, True),
    "电视": (4600.0, 0.15, True),
    "热水器": (2100.0, 0.25, True),
    "净水器": (1600.0, 0.35, True),
    "扫地机器人": (2300.0, 0.30, False),
    "延保服务": (320.0, 0.60, False),
    "配件耗材": (90.0, 0.45, False),
    "清洗保养": (220.0, 0.40, False),
}

SURNAMES: tuple[str, ...] = (
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
    "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
)  # fmt: skip

GIVEN_CHARS: tuple[str, ...] = (
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
    "明", "超", "秀", "霞", "平", "刚", "桂", "英", "华", "建", "文", "辉", "玲", "婷", "宇",
    "浩", "欣", "怡", "晨", "博", "佳", "雪", "鹏", "琳", "凯",
)  # fmt: skip

PREFERENCES: tuple[str, ...] = (
    "节能", "智能互联", "静音", "外观设计", "大容量", "性价比", "国产品牌", "进口品牌",
    "送货快", "上门安装", "以旧换新", "分期付款",
)  # fmt: skip

HOBBIES: tuple[str, ...] = (
    "烹饪", "旅游", "摄影", "跑步", "钓鱼", "书法", "园艺", "电影", "游戏", "瑜伽", "广场舞",
    "养宠物", "阅读", "茶艺",
)  # fmt: skip

FAMILY_EVENTS: tuple[str, ...] = ("乔迁新居", "结婚", "孩子出生", "孩子上学", "退休", "装修")

COMPETITORS: tuple[str, ...] = ("国美", "苏宁", "京东", "天猫", "本地家电城")

#: Complaint notes, one per service fault the documents name (indifference first).
COMPLAINT_NOTES: tuple[str, ...] = (
    "打了三次电话都没人理，服务人员态度冷漠",
    "客服让我找厂家，厂家又让我找门店，来回踢皮球",
    "店员说话生硬，爱答不理",
    "工作人员态度傲慢，看不起人",
    "回答像机器人一样照本宣科，问题没解决",
    "一直强调公司规定，不肯变通",
    "安装师傅迟到两个小时，也没提前通知",
    "产品用了一个月就出故障",
)

#: Free-text churn notes by churn reason code.
CHURN_NOTES: dict[str, tuple[str, ...]] = {
    "died": ("家属告知客户已去世",),
    "moved_away": ("客户搬到外地，不在服务范围", "客户全家移居外省"),
    "other_relationship": ("亲戚开了家电店，改在那里买", "朋友介绍了别家"),
    "won_by_competitor": ("竞争对手价格更低", "对手促销力度大，被挖走"),
    "product_dissatisfaction": ("产品质量问题反复出现", "对新款产品功能不满意"),
    "staff_indifference": ("投诉后没人跟进，觉得不被重视", "服务人员冷漠，不想再来"),
}
