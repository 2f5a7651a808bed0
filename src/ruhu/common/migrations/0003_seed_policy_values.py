"""Seed every rule number of RULES.md as a company-wide policy value, effective 2000-01-01.

Documented in docs/policy.md. The data is written out here; this migration imports no app code.
"""

import datetime as dt

from django.db import migrations

EFFECTIVE = dt.date(2000, 1, 1)

# key, kind, unit, value, description, source
POLICIES = [
    # B1 cycles
    (
        "inspection.cycle_months.residential",
        "integer",
        "月",
        24,
        "居民用户安检周期",
        "RULES B1; §2 一; §5",
    ),
    (
        "inspection.cycle_months.commercial",
        "integer",
        "月",
        12,
        "商业用户安检周期",
        "RULES B1; §2 一",
    ),
    (
        "inspection.cycle_months.industrial",
        "integer",
        "月",
        12,
        "工业用户安检周期",
        "RULES B1; §2 一",
    ),
    (
        "inspection.cycle_months.public_welfare",
        "integer",
        "月",
        12,
        "公福用户安检周期",
        "RULES B1; §2 一",
    ),
    (
        "inspection.cycle_months.special_min",
        "integer",
        "月",
        3,
        "特殊用气场所安检周期下限",
        "RULES B1; §2 一",
    ),
    (
        "inspection.cycle_months.special_max",
        "integer",
        "月",
        6,
        "特殊用气场所安检周期上限",
        "RULES B1; §2 一",
    ),
    (
        "inspection.cycle_months.special_default",
        "integer",
        "月",
        6,
        "特殊用气场所未单独设定时的周期",
        "RULES B1",
    ),
    (
        "inspection.cycle_months.vulnerable",
        "integer",
        "月",
        12,
        "弱势群体用户安检周期（制度未给数字，默认12个月）",
        "RULES B1, B8",
    ),
    (
        "inspection.first_conversion_due_days",
        "integer",
        "天",
        0,
        "首次置换用户应在几天内安检（0 = 立即）",
        "RULES B1",
    ),
    (
        "inspection.meter_read_recent_days",
        "integer",
        "天",
        30,
        "近期抄表窗口：此期间内抄过户内表的“到访不遇”需复核",
        "RULES B1, B7",
    ),
    (
        "inspection.long_absent.consecutive_absent_visits",
        "integer",
        "次",
        3,
        "连续到访不遇次数达到即列为长期不在家",
        "RULES B7",
    ),
    (
        "inspection.long_absent.months_without_inspection",
        "integer",
        "月",
        24,
        "连续无成功安检月数达到即列为长期不在家",
        "RULES B7",
    ),
    ("inspection.absent_review_share", "ratio", "", 0.1, "到访不遇报告抽查复核比例", "RULES B7"),
    (
        "inspection.records_handover_days",
        "integer",
        "天",
        1,
        "当日安检记录次日交客服录入",
        "RULES B9",
    ),
    (
        "inspection.inspector_daily_capacity",
        "integer",
        "户/天",
        30,
        "安检员每日计划户数上限",
        "RULES B3",
    ),
    (
        "inspection.plan_load_balance_max_ratio",
        "decimal",
        "",
        1.2,
        "计划工作量最大/最小比例上限",
        "RULES B3",
    ),
    # B2 targets
    ("target.inspection_rate.annual", "ratio", "", 0.70, "年度入户安检率目标", "RULES B2; §2 五.1"),
    (
        "target.inspection_rate.excluding_long_absent",
        "ratio",
        "",
        1.0,
        "剔除长期不在家用户后的安检率目标",
        "RULES B2; §5",
    ),
    (
        "target.rectification_rate.level1",
        "ratio",
        "",
        0.99,
        "一级隐患整改率目标",
        "RULES B2; §2 五.4",
    ),
    (
        "target.rectification_rate.level2",
        "ratio",
        "",
        0.80,
        "二级隐患整改率目标",
        "RULES B2; §2 五.3",
    ),
    (
        "target.rectification_rate.level3",
        "ratio",
        "",
        0.80,
        "三级隐患整改率目标",
        "RULES B2; §2 五.2",
    ),
    # B3 notice
    (
        "notice.household_days_before",
        "integer",
        "天",
        1,
        "安检前至少提前几天通知用户",
        "RULES B3; §5",
    ),
    (
        "notice.community_days_before",
        "integer",
        "天",
        7,
        "小区安检前至少提前几天张贴通知并协调物业",
        "RULES B3; §5 提前告之",
    ),
    # B4 checklist thresholds
    ("checklist.hose_max_length_m", "decimal", "米", 2.0, "灶具连接软管最大长度", "RULES B4"),
    (
        "checklist.stove_cabinet_vent_min_cm2",
        "integer",
        "cm²",
        80,
        "嵌入式灶具橱柜通风孔最小面积",
        "RULES B4",
    ),
    # B6 rectification loop
    (
        "hazard.customer_notice_days",
        "integer",
        "天",
        7,
        "《安全隐患整改通知书》整改期限",
        "RULES B6.3",
    ),
    ("hazard.second_notice_days", "integer", "天", 3, "第二次整改通知期限", "RULES B6.4"),
    (
        "hazard.company_copy_return_hours",
        "integer",
        "小时",
        48,
        "整改通知书公司联交回安检办公室时限",
        "RULES B6.3",
    ),
    (
        "hazard.fix_working_days.add_hose_clamp",
        "integer",
        "工作日",
        0,
        "加装软管管卡（安检员现场）",
        "RULES B6 整改周期",
    ),
    (
        "hazard.fix_working_days.hose_too_long",
        "integer",
        "工作日",
        1,
        "软管超长（安检员，现场或1天）",
        "RULES B6 整改周期",
    ),
    (
        "hazard.fix_working_days.leaking_installation",
        "integer",
        "工作日",
        0,
        "燃气管道设施漏气（立即）",
        "RULES B6 整改周期",
    ),
    (
        "hazard.fix_working_days.meter_clamp_missing",
        "integer",
        "工作日",
        2,
        "燃气表固定管卡缺失（维修员）",
        "RULES B6 整改周期",
    ),
    (
        "hazard.fix_working_days.hose_through_wall",
        "integer",
        "工作日",
        2,
        "软管穿墙（维修员）",
        "RULES B6 整改周期",
    ),
    (
        "hazard.fix_working_days.meter_replacement",
        "integer",
        "工作日",
        3,
        "燃气表更换（维修员）",
        "RULES B6 整改周期",
    ),
    (
        "hazard.fix_working_days.meter_badly_installed",
        "integer",
        "工作日",
        3,
        "燃气表安装不规范（维修员）",
        "RULES B6 整改周期",
    ),
    (
        "hazard.fix_working_days.valve_hard_to_operate",
        "integer",
        "工作日",
        3,
        "表前阀、灶前阀开关不便（维修员）",
        "RULES B6 整改周期",
    ),
    (
        "hazard.fix_working_days.service_pipe_no_sleeve",
        "integer",
        "工作日",
        5,
        "入户支管无套管或无封堵（维修员）",
        "RULES B6 整改周期",
    ),
    (
        "hazard.fix_working_days.buried_pipe_joint",
        "integer",
        "工作日",
        7,
        "埋地管有接头（维修员）",
        "RULES B6 整改周期",
    ),
    (
        "report.key_customer_day_of_month",
        "integer",
        "日",
        1,
        "每月几日形成重点客户分析报告",
        "RULES B8",
    ),
    # B9 training
    (
        "training.inspector_interval_months",
        "integer",
        "月",
        12,
        "安检员培训间隔（每年一次）",
        "RULES B9",
    ),
    # Appliances (GB 17905 service life)
    ("appliance.service_life_years.stove", "integer", "年", 8, "燃气灶具判废年限", "GB 17905"),
    (
        "appliance.service_life_years.water_heater",
        "integer",
        "年",
        8,
        "天然气热水器判废年限",
        "GB 17905",
    ),
    (
        "appliance.service_life_years.wall_hung_boiler",
        "integer",
        "年",
        8,
        "燃气采暖热水炉判废年限（参考热水器）",
        "GB 17905",
    ),
    (
        "appliance.service_life_years.gas_alarm",
        "integer",
        "年",
        5,
        "家用燃气报警器使用年限",
        "CJ/T 347",
    ),
    # C facilities
    (
        "facility.check_interval_months.regulator_box",
        "integer",
        "月",
        3,
        "调压箱巡检周期",
        "RULES C; §2 七",
    ),
    (
        "facility.check_interval_months.valve_well",
        "integer",
        "月",
        3,
        "阀井巡检周期",
        "RULES C; §2 八",
    ),
    (
        "facility.check_interval_months.valve_room",
        "integer",
        "月",
        3,
        "阀室、调压柜巡检周期",
        "RULES C; §2 九",
    ),
    (
        "facility.regulator_box.cleaning_interval_months",
        "integer",
        "月",
        12,
        "调压箱清洗间隔（至少每年一次）",
        "RULES C; §2 七",
    ),
    (
        "facility.regulator_box.cutoff_min_pa",
        "integer",
        "Pa",
        3500,
        "切断压力下限",
        "RULES C; §2 七",
    ),
    (
        "facility.regulator_box.cutoff_max_pa",
        "integer",
        "Pa",
        3800,
        "切断压力上限",
        "RULES C; §2 七",
    ),
    ("facility.regulator_box.closing_pa", "integer", "Pa", 2800, "关闭压力", "RULES C; §2 七"),
    (
        "facility.regulator_box.closing_tolerance_pa",
        "integer",
        "Pa",
        100,
        "关闭压力允许偏差",
        "RULES C",
    ),
    (
        "facility.regulator_box.operating_min_pa",
        "integer",
        "Pa",
        2300,
        "运行压力下限",
        "RULES C; §2 七",
    ),
    (
        "facility.regulator_box.operating_max_pa",
        "integer",
        "Pa",
        2500,
        "运行压力上限",
        "RULES C; §2 七",
    ),
    # D cleaners and repairers
    ("cleaning.arrive_early_minutes", "integer", "分钟", 5, "保洁员提前到达时间", "RULES D §3"),
    ("cleaning.absent_wait_minutes", "integer", "分钟", 5, "用户不在时等候时间", "RULES D §3"),
    (
        "cleaning.min_staff_absent_customer",
        "integer",
        "人",
        2,
        "用户不在场时作业最少人数",
        "RULES D §3",
    ),
    (
        "repair.work_order_filing_days",
        "integer",
        "天",
        0,
        "已签字维修单交前台存档期限（当日）",
        "RULES D §4",
    ),
    # Platform
    (
        "auth.session_idle_minutes",
        "integer",
        "分钟",
        30,
        "员工网页会话空闲超时",
        "Issue: platform foundation",
    ),
    (
        "auth.lockout.max_failures",
        "integer",
        "次",
        5,
        "登录失败次数上限",
        "Issue: platform foundation",
    ),
    (
        "auth.lockout.window_minutes",
        "integer",
        "分钟",
        15,
        "登录失败计数窗口",
        "Issue: platform foundation",
    ),
    ("auth.lockout.lock_minutes", "integer", "分钟", 15, "锁定时长", "Issue: platform foundation"),
    (
        "auth.password_min_length",
        "integer",
        "字符",
        12,
        "密码最小长度",
        "Issue: platform foundation",
    ),
]


def seed(apps, schema_editor):
    PolicyKey = apps.get_model("common", "PolicyKey")
    PolicyValue = apps.get_model("common", "PolicyValue")
    for key, kind, unit, value, description, source in POLICIES:
        policy_key, _ = PolicyKey.objects.update_or_create(
            key=key,
            defaults={"kind": kind, "unit": unit, "description": description, "source": source},
        )
        PolicyValue.objects.get_or_create(
            key=policy_key,
            branch=None,
            effective_from=EFFECTIVE,
            defaults={"value": value, "note": "regulation default"},
        )


def unseed(apps, schema_editor):
    PolicyValue = apps.get_model("common", "PolicyValue")
    PolicyKey = apps.get_model("common", "PolicyKey")
    keys = [row[0] for row in POLICIES]
    PolicyValue.objects.filter(key_id__in=keys, effective_from=EFFECTIVE, branch=None).delete()
    PolicyKey.objects.filter(key__in=keys).delete()


class Migration(migrations.Migration):
    dependencies = [("common", "0002_make_audit_events_append_only")]
    operations = [migrations.RunPython(seed, unseed)]
