"""The policy keys of sign-in, sessions, passwords and device tokens (decision 0018)."""

from __future__ import annotations

from ruhu.common.policy_registry import Kind, policy_declarations

declare = policy_declarations("accounts")
FOUNDATION = "Issue: platform foundation"
ADDRESSES = "Issue 13 (our choice)"

declare(
    "auth.session_idle_minutes",
    kind=Kind.INTEGER,
    default=30,
    unit="分钟",
    source=FOUNDATION,
    zh="员工网页会话空闲超时",
    en="A staff web session ends after this long idle",
)
declare(
    "auth.lockout.max_failures",
    kind=Kind.INTEGER,
    default=5,
    unit="次",
    source=FOUNDATION,
    zh="登录失败次数上限",
    en="Failed sign-ins before an account locks",
)
declare(
    "auth.lockout.window_minutes",
    kind=Kind.INTEGER,
    default=15,
    unit="分钟",
    source=FOUNDATION,
    zh="登录失败计数窗口",
    en="Minutes over which an account's failures count",
)
declare(
    "auth.lockout.lock_minutes",
    kind=Kind.INTEGER,
    default=15,
    unit="分钟",
    source=FOUNDATION,
    zh="锁定时长",
    en="Minutes an account stays locked",
)
declare(
    "auth.address.max_failures",
    kind=Kind.INTEGER,
    default=100,
    unit="次",
    source=ADDRESSES,
    zh="同一网络地址登录失败次数上限（任意账号；一个办公室可能共用一个地址）",
    en="Failed sign-ins from one network address, any account (an office may share one)",
)
declare(
    "auth.address.window_minutes",
    kind=Kind.INTEGER,
    default=15,
    unit="分钟",
    source=ADDRESSES,
    zh="同一网络地址登录失败计数窗口",
    en="Minutes over which an address's failures count",
)
declare(
    "auth.address.lock_minutes",
    kind=Kind.INTEGER,
    default=15,
    unit="分钟",
    source=ADDRESSES,
    zh="网络地址锁定时长",
    en="Minutes a network address stays locked",
)
declare(
    "auth.password_min_length",
    kind=Kind.INTEGER,
    default=12,
    unit="字符",
    source=f"{FOUNDATION} (only stricter than 12)",
    zh="密码最小长度",
    en="Shortest password",
)
declare(
    "auth.password_max_run",
    kind=Kind.INTEGER,
    default=3,
    unit="字符",
    source="Issue 13 (our choice; only stricter)",
    zh="密码中同一字符最多连续出现次数",
    en="Longest run of one character in a password",
)
declare(
    "auth.password_min_distinct",
    kind=Kind.INTEGER,
    default=6,
    unit="字符",
    source="Issue 13 (our choice; only stricter)",
    zh="密码至少包含的不同字符数",
    en="Fewest distinct characters in a password",
)
declare(
    "auth.token_idle_days",
    kind=Kind.INTEGER,
    default=30,
    unit="天",
    source="Issue 13 (our choice)",
    zh="设备令牌闲置多少天后失效（每次使用顺延）",
    en="A device token expires after this many days unused (each use extends it)",
)
declare(
    "auth.token_max_days",
    kind=Kind.INTEGER,
    default=180,
    unit="天",
    source="Issue 13 (our choice)",
    zh="设备令牌自签发起最长有效天数（顺延不超过此限）",
    en="A device token never lives longer than this from its issue",
)
declare(
    "auth.first_login_valid_hours",
    kind=Kind.INTEGER,
    default=72,
    unit="小时",
    source="Issue 13 (our choice)",
    zh="一次性密码与邀请链接的有效期",
    en="How long a one-time password or an invitation link stays valid",
)
