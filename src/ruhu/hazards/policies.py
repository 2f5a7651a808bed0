"""The policy keys of the rectification loop and its targets (RULES B2, B6; decision 0018)."""

from __future__ import annotations

from ruhu.common.policy_registry import Kind, policy_declarations

declare = policy_declarations("hazards")

declare.family(
    "target.rectification_rate.level",
    kind=Kind.RATIO,
    unit="",
    source="RULES B2; §2 五",
    rows={
        "1": (0.99, "一级隐患整改率目标", "Rectification rate target, level 1"),
        "2": (0.8, "二级隐患整改率目标", "Rectification rate target, level 2"),
        "3": (0.8, "三级隐患整改率目标", "Rectification rate target, level 3"),
    },
)
declare(
    "hazard.customer_notice_days",
    kind=Kind.INTEGER,
    default=7,
    unit="天",
    source="RULES B6.3",
    zh="《安全隐患整改通知书》整改期限",
    en="Deadline given on the rectification notice",
)
declare(
    "hazard.second_notice_days",
    kind=Kind.INTEGER,
    default=3,
    unit="天",
    source="RULES B6.4",
    zh="第二次整改通知期限",
    en="Deadline given on the second rectification notice",
)
declare(
    "hazard.company_copy_return_hours",
    kind=Kind.INTEGER,
    default=48,
    unit="小时",
    source="RULES B6.3",
    zh="整改通知书公司联交回安检办公室时限",
    en="Hours within which the company copy of a notice reaches the inspection office",
)
# one key per row of the rectification schedule (HazardType.schedule_row)
declare.family(
    "hazard.fix_working_days.",
    kind=Kind.INTEGER,
    unit="工作日",
    source="RULES B6 整改周期",
    rows={
        "add_hose_clamp": (
            0,
            "加装软管管卡（安检员现场）",
            "Add a hose clamp (inspector, on the spot)",
        ),
        "hose_too_long": (
            1,
            "软管超长（安检员，现场或1天）",
            "Hose too long (inspector, on the spot or 1)",
        ),
        "leaking_installation": (
            0,
            "燃气管道设施漏气（立即）",
            "Leaking gas installation (at once)",
        ),
        "meter_clamp_missing": (
            2,
            "燃气表固定管卡缺失（维修员）",
            "Meter fixing clamp missing (repairer)",
        ),
        "hose_through_wall": (2, "软管穿墙（维修员）", "Hose through a wall (repairer)"),
        "meter_replacement": (3, "燃气表更换（维修员）", "Meter replacement (repairer)"),
        "meter_badly_installed": (
            3,
            "燃气表安装不规范（维修员）",
            "Meter badly installed (repairer)",
        ),
        "valve_hard_to_operate": (
            3,
            "表前阀、灶前阀开关不便（维修员）",
            "Meter or stove valve hard to operate (repairer)",
        ),
        "service_pipe_no_sleeve": (
            5,
            "入户支管无套管或无封堵（维修员）",
            "Service pipe without sleeve or seal (repairer)",
        ),
        "buried_pipe_joint": (7, "埋地管有接头（维修员）", "Joint in a buried pipe (repairer)"),
    },
)
declare(
    "hazard.repair_default_working_days",
    kind=Kind.INTEGER,
    default=3,
    unit="工作日",
    source="RULES B6.2 (our choice)",
    zh="整改周期表未列的维修类隐患的维修期限",
    en="Repair deadline of a repairer's hazard the schedule does not list",
)
declare(
    "hazard.property_letter_days",
    kind=Kind.INTEGER,
    default=7,
    unit="天",
    source='RULES B6.5 ("规定时间"; our choice)',
    zh="致函物业后仍拒绝入户、采取停气封停措施前的期限",
    en="Days after the letter to the property manager before supply is stopped and sealed",
)
declare(
    "hazard.handover_days",
    kind=Kind.INTEGER,
    default=0,
    unit="天",
    source="RULES B6.5",
    zh="停气封停后移交安全监察部的期限（当日）",
    en="Days after stopping supply to hand the case to safety supervision (same day)",
)
declare(
    "hazard.stall_working_days",
    kind=Kind.INTEGER,
    default=3,
    unit="工作日",
    source="RULES B6 (our choice)",
    zh="待办步骤超过此工作日数未处理即列为停滞案件，提醒安检主管",
    en="Working days a pending step may wait before the case counts as stalled",
)
declare(
    "hazard.long_unresolved_days",
    kind=Kind.INTEGER,
    default=90,
    unit="天",
    source="RULES B6.7 (our choice)",
    zh="超过此天数仍未整改的隐患列入报政府燃气管理部门的长期未整改汇总",
    en="Days after which an open hazard goes into the summary for the gas authority",
)
