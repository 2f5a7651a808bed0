"""The policy keys of inspection: cycles, planning, notices, the visit and its checklist,
absent reviews, training (RULES B1–B9; decision 0018)."""

from __future__ import annotations

from ruhu.common.policy_registry import Kind, policy_declarations

declare = policy_declarations("inspection")

# B1 cycles: inspection/due.py reads them all, premises the bounds of a special site's own
declare.family(
    "inspection.cycle_months.",
    kind=Kind.INTEGER,
    unit="月",
    source="RULES B1; §2 一",
    rows={
        "residential": (24, "居民用户安检周期", "Cycle of a residential household (§5 too)"),
        "commercial": (12, "商业用户安检周期", "Cycle of a commercial customer"),
        "industrial": (12, "工业用户安检周期", "Cycle of an industrial customer"),
        "public_welfare": (12, "公福用户安检周期", "Cycle of a public-welfare customer"),
        "special_min": (3, "特殊用气场所安检周期下限", "Shortest cycle of a special gas-use site"),
        "special_max": (6, "特殊用气场所安检周期上限", "Longest cycle of a special gas-use site"),
        "special_default": (
            6,
            "特殊用气场所未单独设定时的周期",
            "Cycle of a special gas-use site without its own",
        ),
        "vulnerable": (
            12,
            "弱势群体用户安检周期（制度未给数字，our choice）",
            "Cycle of a vulnerable household (no number in the rules: our choice)",
        ),
    },
)
declare(
    "inspection.first_conversion_due_days",
    kind=Kind.INTEGER,
    default=0,
    unit="天",
    source="RULES B1",
    zh="首次置换用户应在几天内安检（0 = 立即）",
    en="Days within which a first-time conversion is inspected (0 = at once)",
)
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
    "inspection.long_absent.months_without_inspection",
    kind=Kind.INTEGER,
    default=24,
    unit="月",
    source="RULES B7",
    zh="连续无成功安检月数达到即列为长期不在家",
    en="Months without an inspection that make a household long-term absent",
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
