"""The policy keys of the platform: unmasking, search handles, uploads (decision 0018)."""

from __future__ import annotations

from ruhu.common.policy_registry import Kind, policy_declarations

declare = policy_declarations("common")
UPLOADS = "Issue 13; decision 0015"

declare(
    "pii.unmask.max_per_hour",
    kind=Kind.INTEGER,
    default=20,
    unit="次",
    source="Issue 13; DESIGN rule 5 (our choice)",
    zh="每人每小时（滑动窗口）查看完整个人信息次数上限；超过即拒绝并站内提醒安全提醒接收人",
    en="Unmaskings of personal data per person per sliding hour; more are refused and reported",
)
declare(
    "privacy.search_handle_minutes",
    kind=Kind.INTEGER,
    default=30,
    unit="分钟",
    source="Issue 13 (our choice)",
    zh="查找词（可能是手机号、身份证号）留在服务器上、以不透明的 ?s= 代替的时长；"
    "翻页、返回在此期间有效",
    en="How long a search term stays on the server behind its opaque ?s= handle",
)
declare.family(
    "attachments.max_mb.",
    kind=Kind.INTEGER,
    unit="MB",
    source=UPLOADS,
    rows={
        "photo": (16, "照片文件大小上限（12–50 MP 手机照片为 3–15 MB）", "Largest photo file"),
        "signature": (1, "签名图片文件大小上限", "Largest signature image"),
        "recording": (20, "通话录音文件大小上限", "Largest call recording"),
        "document": (
            20,
            "文档（通知单、月度材料，由系统生成）大小上限",
            "Largest generated document",
        ),
    },
)
declare(
    "attachments.max_image_pixels",
    kind=Kind.INTEGER,
    default=120_000_000,
    unit="像素",
    source=UPLOADS,
    zh="图片像素上限（宽×高，解码前按文件头检查；容纳 108 MP 手机照片）",
    en="Most pixels in a picture (width × height, read from its header before decoding)",
)
declare(
    "attachments.max_decode_mb",
    kind=Kind.INTEGER,
    default=320,
    unit="MB",
    source=UPLOADS,
    zh="解码并缩小一张图片可占用的内存上限（解码前估算，解码进程中由内核强制）",
    en="Memory that decoding and shrinking one picture may use",
)
declare(
    "attachments.max_decode_seconds",
    kind=Kind.INTEGER,
    default=10,
    unit="秒",
    source=UPLOADS,
    zh="解码并缩小一张图片可用的 CPU 时间",
    en="CPU time that decoding and shrinking one picture may use",
)
declare(
    "attachments.rate.uploads_per_minute",
    kind=Kind.INTEGER,
    default=60,
    unit="个",
    source=UPLOADS,
    zh="每人每分钟上传文件数上限",
    en="Files one person may upload per minute",
)
declare(
    "attachments.rate.mb_per_hour",
    kind=Kind.INTEGER,
    default=300,
    unit="MB",
    source=UPLOADS,
    zh="每人每小时上传数据量上限",
    en="Data one person may upload per hour",
)
