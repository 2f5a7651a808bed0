"""The policy keys of inspection: planning, notices, the visit and its checklist, absent
reviews, training (RULES B3–B9; decision 0018). The cycles (B1) are premises'."""

from __future__ import annotations

from ruhu.common.policy_registry import Kind, policy_declarations

declare = policy_declarations("inspection")

declare(
    "inspection.meter_read_recent_days",
    kind=Kind.INTEGER,
    default=30,
    unit="天",
    source="RULES B1, B7",
    zh="近期抄表窗口：此期间内抄过户内表的“到访不遇”需复核",
    en="An absent report for an indoor meter read within these days is reviewed",
)
declare(
    "inspection.long_absent.consecutive_absent_visits",
    kind=Kind.INTEGER,
    default=3,
    unit="次",
    source="RULES B7",
    zh="连续到访不遇次数达到即列为长期不在家",
    en="Absent visits in a row that make a household long-term absent",
)
declare(
    "inspection.absent_review_share",
    kind=Kind.RATIO,
    default=0.1,
    source="RULES B7 (our choice)",
    zh="到访不遇报告抽查复核比例",
    en="Share of absent reports a reviewer checks in person",
)
declare(
    "inspection.absent_review_deduction_points",
    kind=Kind.INTEGER,
    default=2,
    unit="分",
    source="RULES B7 (our choice)",
    zh="复核人员入户成功时，对报告到访不遇的安检员扣减的绩效分",
    en="Points taken from an inspector whose absent report a reviewer disproves",
)
# B3 planning and notice
declare(
    "inspection.inspector_daily_capacity",
    kind=Kind.INTEGER,
    default=30,
    unit="户/天",
    source="RULES B3 (our choice)",
    zh="安检员每日计划户数上限",
    en="Most households planned for one inspector a day",
)
declare(
    "inspection.plan_load_balance_max_ratio",
    kind=Kind.DECIMAL,
    default=1.2,
    source="RULES B3 (our choice)",
    zh="计划工作量最大/最小比例上限",
    en="Largest ratio of the busiest to the least busy inspector's plan",
)
declare(
    "notice.household_days_before",
    kind=Kind.INTEGER,
    default=1,
    unit="天",
    source="RULES B3; §5",
    zh="安检前至少提前几天通知用户",
    en="Days ahead a household is told of its visit, at least",
)
declare(
    "notice.household_sms_window_days",
    kind=Kind.INTEGER,
    default=3,
    unit="天",
    source="RULES B3 (our choice)",
    zh="计划日前几天内向用户发送上门短信（至少提前 notice.household_days_before 天）",
    en="Days before the visit within which the household's SMS is sent",
)
declare(
    "notice.community_days_before",
    kind=Kind.INTEGER,
    default=7,
    unit="天",
    source="RULES B3; §5 提前告之",
    zh="小区安检前至少提前几天张贴通知并协调物业",
    en="Days ahead a community notice is posted and the property manager told, at least",
)
declare(
    "notice.hotline",
    kind=Kind.TEXT,
    default="96777",
    source="RULES B3 (set your company's number)",
    zh="通知中的服务热线（请按本公司号码设置）",
    en="Service hotline printed on notices",
)
declare(
    "notice.visit_hours",
    kind=Kind.TEXT,
    default="9:00–17:00",
    source="RULES B3 (our choice)",
    zh="通知中写明的上门时段",
    en="Visiting hours printed on notices",
)
# B4 the visit
declare(
    "inspection.visit_max_photo_count",
    kind=Kind.INTEGER,
    default=40,
    unit="张",
    source="RULES B4 (our choice)",
    zh="一次入户记录最多引用的照片数",
    en="Most photos one visit record may cite",
)
declare(
    "checklist.hose_max_length_m",
    kind=Kind.DECIMAL,
    default=2.0,
    unit="米",
    source="RULES B4",
    zh="灶具连接软管最大长度",
    en="Longest stove hose",
)
declare(
    "checklist.stove_cabinet_vent_min_cm2",
    kind=Kind.INTEGER,
    default=80,
    unit="cm²",
    source="RULES B4",
    zh="嵌入式灶具橱柜通风孔最小面积",
    en="Smallest vent hole of a built-in stove cabinet",
)
# B9 training
declare(
    "training.inspector_interval_months",
    kind=Kind.INTEGER,
    default=12,
    unit="月",
    source="RULES B9",
    zh="安检员培训间隔（每年一次）",
    en="Months between an inspector's trainings (once a year)",
)
