"""Seed the hazard catalogue (RULES B4–B6: the ten level-1 hazards of §2 五 and the rows of
§5's rectification schedule) and the loop's policy values. The codes are the ones the
visits recorded before the catalogue existed (decision 0008).

The data is written out here; this migration imports no app code.
"""

import datetime as dt

from django.db import migrations

EFFECTIVE = dt.date(2000, 1, 1)

# code, Chinese, English, default level, fixer, schedule row, listed level-1 number
CATALOGUE = [
    ("leak", "燃气设施漏气（立管阀门至灶具任何部位）",
     "Gas leak anywhere from the riser valve to the appliance", 1, "inspector",
     "leaking_installation", 1),
    ("prohibited_installation", "违反国家禁止性规定的安装",
     "Installation breaching a national prohibition", 1, "customer", "", 2),
    ("direct_exhaust_heater", "使用直排式热水器",
     "Direct-exhaust water heater in use", 1, "customer", "", 3),
    ("heater_flue_defect", "热水器无烟道或烟道安装不规范",
     "Water heater without a flue or with a badly installed flue", 1, "customer", "", 4),
    ("hose_defect", "软管破损、老化、有接头或无管卡",
     "Hose broken, aged, jointed or unclamped", 1, "inspector", "add_hose_clamp", 5),
    ("pipe_corroded", "管道严重锈蚀", "Pipe badly corroded", 1, "repairer", "", 6),
    ("meter_corroded", "燃气表严重锈蚀", "Meter badly corroded", 1, "repairer",
     "meter_replacement", 7),
    ("gas_theft", "偷盗气", "Gas theft", 1, "customer", "", 8),
    ("private_connection", "私接乱改、一表多户",
     "Private connection or one meter for several users", 1, "customer", "", 9),
    ("residential_to_commercial", "民用气改商业用途（民改商）",
     "Residential supply used commercially", 1, "customer", "", 10),
    ("hose_too_long", "软管超长", "Hose too long", 2, "inspector", "hose_too_long", None),
    ("hose_through_wall", "软管穿墙", "Hose through a wall", 2, "repairer",
     "hose_through_wall", None),
    ("meter_replacement", "燃气表需更换（超期、损坏）",
     "Meter due for replacement (overdue or damaged)", 2, "repairer", "meter_replacement", None),
    ("meter_badly_installed", "燃气表安装不规范", "Meter badly installed", 2, "repairer",
     "meter_badly_installed", None),
    ("pipe_through_bedroom", "管道穿越卧室", "Pipe passes through a bedroom", 2, "customer",
     "", None),
    ("buried_pipe_joint", "埋地管有接头", "Joint in a buried pipe", 2, "repairer",
     "buried_pipe_joint", None),
    ("poor_ventilation", "用气场所通风不良", "Poor ventilation where gas is used", 2,
     "customer", "", None),
    ("open_kitchen_unprotected", "开放式厨房无隔断且无报警器",
     "Open kitchen without a door or a gas alarm", 2, "customer", "", None),
    ("unused_outlet_open", "双头阀未用一侧未封堵",
     "Unused side of a two-outlet valve not sealed", 2, "inspector", "", None),
    ("meter_clamp_missing", "燃气表固定管卡缺失", "Meter fixing clamp missing", 3, "repairer",
     "meter_clamp_missing", None),
    ("valve_hard_to_operate", "表前阀、灶前阀开关不便",
     "Meter or stove valve hard to operate", 3, "repairer", "valve_hard_to_operate", None),
    ("service_pipe_no_sleeve", "入户支管无套管或无封堵",
     "Service pipe without sleeve or seal", 3, "repairer", "service_pipe_no_sleeve", None),
    ("pipe_misuse", "管道悬挂物品或作接地线",
     "Pipe used to hang things or as an earth wire", 3, "inspector", "", None),
    ("cabinet_vent_small", "嵌入式橱柜通风孔不足",
     "Built-in stove cabinet vent too small", 3, "customer", "", None),
    ("riser_enclosed", "立管被封闭无通风", "Riser enclosed without ventilation", 3, "customer",
     "", None),
    ("appliance_past_service_life", "燃气具超过判废年限",
     "Appliance past its service life", 3, "customer", "", None),
    ("other", "其他隐患", "Other hazard", 3, "customer", "", None),
]  # fmt: skip

# key, kind, unit, value, description, source
POLICIES = [
    ("hazard.repair_default_working_days", "integer", "工作日", 3,
     "整改周期表未列的维修类隐患的维修期限", "RULES B6.2"),
    ("hazard.property_letter_days", "integer", "天", 7,
     "致函物业后仍拒绝入户、采取停气封停措施前的期限（规定时间）", "RULES B6.5"),
    ("hazard.handover_days", "integer", "天", 0,
     "停气封停后移交安全监察部的期限", "RULES B6.5"),
    ("hazard.stall_working_days", "integer", "工作日", 3,
     "待办步骤超过此工作日数未处理即列为停滞案件，提醒安检主管", "RULES B6"),
    ("hazard.long_unresolved_days", "integer", "天", 90,
     "超过此天数仍未整改的隐患列入报政府燃气管理部门的长期未整改汇总", "RULES B6.7"),
]  # fmt: skip


def seed(apps, schema_editor):
    HazardType = apps.get_model("hazards", "HazardType")
    for position, row in enumerate(CATALOGUE, 1):
        code, name_zh, name_en, level, fixer, schedule_row, listed = row
        HazardType.objects.update_or_create(
            code=code,
            defaults={
                "name_zh": name_zh,
                "name_en": name_en,
                "default_level": level,
                "fixer": fixer,
                "schedule_row": schedule_row,
                "listed_level1_no": listed,
                "position": position,
            },
        )
    seed_policies(apps, schema_editor)


def seed_policies(apps, schema_editor):
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
    apps.get_model("hazards", "HazardType").objects.all().delete()
    PolicyValue = apps.get_model("common", "PolicyValue")
    PolicyKey = apps.get_model("common", "PolicyKey")
    keys = [row[0] for row in POLICIES]
    PolicyValue.objects.filter(key__in=keys).delete()
    PolicyKey.objects.filter(key__in=keys).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("hazards", "0001_create_catalogue_cases_steps_notices_calls"),
        ("common", "0003_seed_policy_values"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
