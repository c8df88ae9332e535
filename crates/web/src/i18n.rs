//! Interface text in Chinese (the default) and English. Templates ask `t.t("key")`; a test
//! checks that every key used by a template exists here.

use std::collections::HashMap;
use std::sync::OnceLock;
use yihaotai_domain::vocab::Lang;

/// (key, 中文, English)
const MESSAGES: &[(&str, &str, &str)] = &[
    ("app.name", "一号台", "Desk No. 1"),
    (
        "app.tagline",
        "接诉即办 · 社区服务台",
        "Citizen service desk",
    ),
    ("nav.home", "首页", "Home"),
    ("nav.areas", "区域管理", "Areas"),
    ("nav.agencies", "承办单位", "Agencies"),
    ("nav.users", "账号管理", "Users"),
    ("nav.audit", "操作日志", "Audit log"),
    ("nav.api", "接口文档", "API"),
    ("nav.jobs", "定时任务", "Timed jobs"),
    ("policy.versions", "历次版本", "Versions"),
    (
        "policy.versions_hint",
        "每次保存或恢复都留下一个版本及其生效时间；统计以前的时段时按当时有效的规则计算。",
        "Each save or reset keeps a version with the time it took effect; figures for a past period use the rules then in force.",
    ),
    ("policy.no_versions", "尚无保存记录：一直使用内置规则。", "Never saved: the built-in rules have always applied."),
    ("policy.effective", "生效时间", "In force from"),
    ("policy.version_rules", "规则", "Rules"),
    ("policy.since_always", "升级前已保存", "Saved before the upgrade"),
    ("jobs.title", "定时任务", "Timed jobs"),
    (
        "jobs.intro",
        "每项任务按周期运行；标注租约的任务在多个进程中只由持有租约的一个进程运行（租约以数据库时钟计时，运行中续期）。下表为每项任务最近一次运行的情况。",
        "Each job runs every period; a leased job runs in the one process holding its lease (timed on the database's clock, renewed while it runs). The table shows each job's last run.",
    ),
    ("jobs.job", "任务", "Job"),
    ("jobs.period", "周期", "Every"),
    ("jobs.lease", "租约", "Lease"),
    ("jobs.last_run", "最近运行", "Last run"),
    ("jobs.duration", "耗时", "Took"),
    ("jobs.outcome", "结果", "Outcome"),
    ("jobs.runs", "运行次数", "Runs"),
    ("jobs.failures", "失败次数", "Failures"),
    ("jobs.last_error", "最近失败", "Last failure"),
    ("jobs.seconds", "秒", "s"),
    ("jobs.every_process", "每个进程各自运行", "every process"),
    ("jobs.until", "至", "until"),
    ("jobs.free", "空闲", "free"),
    ("jobs.ok", "完成", "done"),
    ("jobs.state_ok", "正常", "OK"),
    ("jobs.state_failed", "失败", "Failed"),
    ("jobs.state_never", "未运行", "Never"),
    ("api.title", "接口文档", "API reference"),
    ("api.version", "版本", "version"),
    (
        "api.intro",
        "本页与 openapi.json 由程序代码生成，二者一致。调用需持令牌（yihaotai token create）或登录会话；错误以问题详情返回，field 指出出错的字段。",
        "This page and openapi.json are generated from the code and always agree. Calls need a token (yihaotai token create) or a staff session; errors are problem details whose field names the field at fault.",
    ),
    ("api.contents", "目录", "Contents"),
    ("api.shapes", "数据结构", "Shapes"),
    ("api.param", "参数", "Parameter"),
    ("api.in", "位置", "In"),
    ("api.type", "类型", "Type"),
    ("api.about", "说明", "About"),
    ("api.body", "请求体", "Request body"),
    ("api.field", "字段", "Field"),
    ("nav.logout", "退出登录", "Log out"),
    ("nav.shift_start", "开始值班 · 开启提示音", "Start shift · sound on"),
    ("nav.lang_switch", "English", "中文"),
    ("nav.skip", "跳到正文", "Skip to content"),
    ("login.title", "登录一号台", "Log in to Desk No. 1"),
    ("login.login", "登录名", "Login"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Log in"),
    (
        "login.hint",
        "演示账号在启动服务时打印于终端。",
        "The demo logins are printed in the terminal when the server starts.",
    ),
    ("login.logged_out", "您已退出登录。", "You have logged out."),
    (
        "login.expired",
        "登录已过期，请重新登录。",
        "Your session has expired; please log in again.",
    ),
    ("home.title", "工作台", "Overview"),
    ("home.welcome", "您好", "Hello"),
    ("home.roles", "角色", "Roles"),
    ("home.areas", "负责区域", "Areas served"),
    ("home.agency", "所属单位", "Agency"),
    ("home.households", "户数", "Households"),
    ("home.residents", "居民人数", "Residents"),
    ("home.agencies", "承办单位", "Agencies"),
    ("home.care", "重点人群", "Key populations"),
    ("home.control", "小区管控状态", "Compound control levels"),
    (
        "home.no_control",
        "暂无管控小区",
        "No compound is under control",
    ),
    ("common.save", "保存", "Save"),
    ("common.add", "新增", "Add"),
    ("common.edit", "编辑", "Edit"),
    ("common.back", "返回", "Back"),
    ("common.name", "名称", "Name"),
    ("common.kind", "类型", "Kind"),
    ("common.actions", "操作", "Actions"),
    ("common.none", "无", "None"),
    ("common.yes", "是", "Yes"),
    ("common.no", "否", "No"),
    ("common.active", "启用", "Active"),
    ("common.disabled", "已停用", "Disabled"),
    ("common.time", "时间", "Time"),
    ("common.reason", "原因", "Reason"),
    ("common.by", "操作人", "By"),
    ("common.count", "数量", "Count"),
    ("common.saved", "已保存。", "Saved."),
    ("error.title", "出错了", "Something went wrong"),
    ("error.back", "返回上一页", "Go back"),
    ("areas.title", "区域管理", "Areas"),
    ("areas.tree", "区域树", "Area tree"),
    (
        "areas.aliases",
        "别名（逗号分隔）",
        "Aliases (comma-separated)",
    ),
    ("areas.control", "管控等级", "Control level"),
    ("areas.control_since", "生效时间", "Effective since"),
    ("areas.add_child", "新增下级区域", "Add a sub-area"),
    ("areas.rename", "重命名", "Rename"),
    ("areas.set_control", "设置管控等级", "Set control level"),
    (
        "areas.effective_at",
        "生效时间（留空为立即生效）",
        "Effective at (empty for now)",
    ),
    ("areas.history", "管控等级变更记录", "Control level history"),
    ("areas.no_history", "尚无变更记录", "No changes recorded"),
    ("areas.parent", "上级区域", "Parent"),
    ("agencies.title", "承办单位", "Agencies"),
    ("agencies.new", "新增承办单位", "New agency"),
    ("agencies.home_area", "所属区域", "Home area"),
    ("agencies.serves", "服务区域", "Areas served"),
    ("agencies.categories", "负责类别", "Categories"),
    (
        "agencies.parent",
        "上级单位（提级办理）",
        "Parent agency (escalation)",
    ),
    ("agencies.forwarding", "分转中心", "Forwarding centre"),
    ("users.title", "账号管理", "Users"),
    ("users.new", "新增账号", "New account"),
    ("users.login", "登录名", "Login"),
    ("users.display_name", "姓名", "Name"),
    ("users.roles", "角色", "Roles"),
    ("users.areas", "负责区域", "Areas"),
    ("users.agency", "所属单位", "Agency"),
    (
        "users.password",
        "初始密码（至少10位）",
        "Initial password (10+ characters)",
    ),
    (
        "users.new_password",
        "新密码（至少10位）",
        "New password (10+ characters)",
    ),
    ("users.set_password", "重设密码", "Reset password"),
    (
        "users.password_ends_access",
        "重设后，该账号的所有登录会话立即结束（重设自己的密码时也包括您当前的会话），所有 API 令牌立即吊销，需要时请重新创建。",
        "Resetting ends every login session of the account at once (your own too, when it is your password) and revokes all its API tokens; create new ones if needed.",
    ),
    ("users.disable", "停用", "Disable"),
    ("users.enable", "启用", "Enable"),
    ("users.status", "状态", "Status"),
    ("audit.empty", "暂无记录", "Nothing recorded yet"),
    ("paste.title", "粘贴群消息批量登记", "Paste chat messages"),
    ("paste.hint", "从微信群导出或复制多条消息（含发送人和时间），系统会逐条拆分并预填类别、紧急程度和住户，确认后一次登记。", "Paste several messages copied or exported from a WeChat group (with senders and times); each is split out and pre-filled, and all are recorded once you confirm."),
    ("paste.text", "群消息", "Messages"),
    ("paste.split", "拆分并识别", "Split and pre-fill"),
    ("paste.confirm_title", "确认批量登记", "Confirm the requests"),
    ("paste.confirm_hint", "特急、紧急的排在最前。逐条核对并修改；群名、图片、致谢、通知等已取消勾选，“+1”已并入所附和的诉求。确认后按派单目录派给承办单位；任何一条有误都不会登记。", "Critical and urgent requests come first. Check and correct each row; the group's name, pictures, thanks and notices are unticked, and each \"+1\" is joined to the need it answers. Confirmed requests go to the agency the dispatch catalogue names; if any row is wrong, nothing is recorded."),
    ("paste.include", "登记", "Record"),
    ("paste.sender", "发送人", "Sender"),
    ("paste.content", "诉求内容", "Request"),
    ("paste.category", "类别", "Category"),
    ("paste.urgency", "紧急程度", "Urgency"),
    ("paste.household", "住户编号", "Household"),
    ("paste.reasons", "识别依据", "Why"),
    ("paste.epidemic", "涉疫", "Epidemic"),
    ("paste.create", "全部登记", "Record all"),
    ("paste.created_title", "已登记工单", "Tickets recorded"),
    ("paste.again", "继续粘贴", "Paste more"),
    ("paste.compound", "小区", "Compound"),
    ("paste.compound_pick", "请选择本群所在的小区", "Choose the group's compound"),
    ("paste.compound_hint", "门牌号（消息里的或昵称里的，如“张阿姨-3-2-501”）按所选小区对应住户；群名写明小区时可不选。楼栋可选：只写了房号的按这个楼栋。", "Flat numbers (in the message or in the sender's name, such as 张阿姨-3-2-501) are matched to households in this compound; it may be left out when the group's name gives it. The building is optional: a bare room number is read in it."),
    ("paste.building", "楼栋（可选）", "Building (optional)"),
    ("paste.n_critical", "特急", "Critical"),
    ("paste.n_urgent", "紧急", "Urgent"),
    ("paste.n_total", "共", "In all"),
    ("paste.n_unit", "条", "requests"),
    ("paste.n_skipped", "· 另有", "· and"),
    ("paste.n_skipped_unit", "条不是诉求，未勾选", "messages that are not requests, left unticked"),
    ("paste.skipped", "未勾选", "Unticked"),
    ("paste.merged", "同一人连发的消息合并：", "messages from one sender joined:"),
    ("paste.co", "同求", "Also"),
    ("paste.from_sender", "地址取自昵称", "address from the sender's name"),
    ("paste.accept_by", "签收时限", "accept by"),
    ("clusters.title", "集中诉求", "Clusters"),
    ("clusters.none", "当前没有集中诉求。", "No cluster right now."),
    ("clusters.requests", "件", "requests"),
    ("clusters.dispatch_to", "统一派给", "Dispatch all to"),
    ("clusters.dispatch_all", "合并派单", "Dispatch all"),
    ("clusters.merge", "并入第一张工单", "Merge into the first"),
    ("lexicon.title", "智能识别词库", "Triage lexicon"),
    ("lexicon.source", "当前词库", "Current lexicon"),
    ("lexicon.reload", "重新加载词库", "Reload the lexicon"),
    ("lexicon.try", "试一试", "Try it"),
    ("lexicon.analyze", "识别", "Analyse"),
    ("nav.paste", "粘贴登记", "Paste batch"),
    ("nav.clusters", "集中诉求", "Clusters"),
    ("nav.lexicon", "识别词库", "Lexicon"),
    ("audit.title", "操作日志", "Audit log"),
    ("audit.action", "操作", "Action"),
    ("audit.target", "对象", "Target"),
    ("audit.detail", "详情", "Detail"),
    ("audit.change", "变更前后", "Before and after"),
    ("audit.before", "变更前", "Before"),
    ("audit.after", "变更后", "After"),
    ("nav.intake", "登记诉求", "New request"),
    ("nav.dispatch", "派单", "Dispatch"),
    ("nav.inbox", "承办", "Inbox"),
    ("nav.overdue", "超期", "Overdue"),
    ("nav.supervision", "督办", "Supervision"),
    ("nav.callback", "回访", "Callback"),
    ("nav.search", "查询", "Search"),
    ("nav.households", "一户一卡", "Households"),
    ("household.title", "一户一卡", "Household cards"),
    ("household.q", "地址、姓名或电话", "Address, name or phone"),
    ("household.q_hint", "如 12-2-502、张桂兰、138 1234 5678、尾号5678", "e.g. 12-2-502, a name, 138 1234 5678, the last 4 digits"),
    ("household.care", "重点人群", "Care needs"),
    ("household.care_any", "全部", "Any"),
    ("household.search", "查找", "Find"),
    ("household.found", "找到住户", "Households found:"),
    ("household.none", "没有符合条件的住户", "No household matches"),
    ("household.hint", "输入门牌（任何写法）、住户姓名或电话查找住户，或选择重点人群列出所有相关住户。", "Type a door number in any form, a resident's name or a phone, or pick a care need to list every household with it."),
    ("household.address", "地址", "Address"),
    ("household.residents", "住户成员", "Residents"),
    ("household.phones", "电话", "Phones"),
    ("household.building", "楼栋", "Building"),
    ("household.entrance", "单元", "Entrance"),
    ("household.room", "房号", "Room"),
    ("household.areas", "所属区域", "Areas"),
    ("household.control", "管控等级", "Control level"),
    ("household.age", "年龄", "Age"),
    ("household.name", "姓名", "Name"),
    ("household.sex", "性别", "Sex"),
    ("household.relation", "与户主关系", "Relation"),
    ("household.phone", "电话", "Phone"),
    ("household.id_number", "证件号", "ID number"),
    ("household.no_residents", "尚未登记住户成员", "No residents registered"),
    ("household.identities_hidden", "保密工单：只显示门牌和需要照护的情况，不显示姓名和电话", "Confidential ticket: the door and care needs only, no names or phones"),
    ("household.tickets", "本户工单", "This household's tickets"),
    ("household.no_tickets", "本户没有工单", "No tickets for this household"),
    ("household.years", "岁", " y"),
    ("household.other_open", "本户其他未办结工单：", "Other open tickets of this household:"),
    ("intake.title", "登记诉求", "Record a request"),
    ("intake.content", "诉求内容", "What the resident asks"),
    (
        "intake.content_hint",
        "边听边记：地址、人、事、急不急",
        "Note as you listen: address, who, what, how urgent",
    ),
    ("intake.triage", "智能识别", "Suggest"),
    ("intake.triage_result", "识别依据", "Why these suggestions"),
    ("intake.caller_name", "来电人", "Caller's name"),
    ("intake.caller_phone", "来电号码", "Caller's phone"),
    ("intake.household", "住户（一户一卡）", "Household"),
    (
        "intake.household_q",
        "按地址、电话或姓名查找",
        "Find by address, phone or name",
    ),
    (
        "intake.household_q_hint",
        "如：锦绣花园3栋2单元501",
        "e.g. Jinxiu Garden 3-2-501",
    ),
    ("intake.household_id", "住户编号", "Household id"),
    ("intake.household_find", "查找住户", "Find household"),
    (
        "intake.household_none",
        "没有找到匹配的住户。",
        "No household matches.",
    ),
    ("intake.category", "类别", "Category"),
    ("intake.request_type", "诉求类型", "Request type"),
    ("intake.channel", "渠道", "Channel"),
    ("intake.choose", "请选择", "Choose"),
    ("intake.urgency", "紧急程度", "Urgency"),
    ("intake.downgrade_reason", "降级原因", "Reason for a lower urgency"),
    (
        "intake.downgrade_hint",
        "保存时系统会再次分诊：若发现特急或紧急迹象而您选得更低，将按分诊结果登记，除非在此写明原因",
        "On saving, the desk triages the text again: if it finds critical or urgent signs above your choice, the ticket takes that urgency unless you give a reason here",
    ),
    (
        "intake.raised",
        "分诊发现危急迹象，紧急程度已提升为",
        "Triage found danger signs; the urgency was raised to",
    ),
    ("intake.epidemic", "涉疫", "Epidemic-related"),
    (
        "intake.confidential",
        "保密（承办单位看不到来电人）",
        "Confidential (agencies do not see the caller)",
    ),
    ("intake.disposition", "处理方式", "What to do with it"),
    ("intake.disp_dispatch", "派单办理", "Dispatch"),
    ("intake.disp_answer", "当场答复并办结", "Answer now and close"),
    (
        "intake.disp_transfer",
        "转110/119/120",
        "Hand over to 110/119/120",
    ),
    (
        "intake.dispatch_now",
        "立即派给（可选）",
        "Dispatch now to (optional)",
    ),
    (
        "intake.dispatch_later",
        "稍后由派单员派单",
        "Leave for the dispatcher",
    ),
    (
        "intake.dispatch_auto",
        "按派单目录自动派单（推荐）",
        "As the dispatch catalogue says (suggested)",
    ),
    (
        "intake.auto_mode_hint",
        "按派单目录派单时，用目录规定的方式",
        "dispatching by the catalogue uses the catalogue's mode",
    ),
    ("ticket.suggested", "派单目录建议", "Catalogue suggests"),
    ("ticket.reopened", "重办", "Reopened"),
    ("ticket.suggested_from_agency", "按单位服务范围", "from the agencies' own areas"),
    ("nav.catalogue", "派单目录", "Dispatch catalogue"),
    ("nav.policy", "时限规则", "Deadlines"),
    ("common.sep", "、", ", "),
    (
        "triage.approx",
        "近似匹配，请与来电人核对门牌",
        "nearest match: check the address with the caller",
    ),
    ("catalogue.title", "派单目录", "Dispatch catalogue"),
    (
        "catalogue.intro",
        "每类诉求在各区域应派给哪个承办单位。派单时按工单所在区域向上查找，最具体的区域优先；派单员总可改派其他单位。",
        "Which agency handles each category of request in each area. A ticket's area is looked up from the most specific area upwards; the dispatcher may always choose another agency.",
    ),
    ("catalogue.set", "设置派单规则", "Set a rule"),
    ("catalogue.area", "区域", "Area"),
    ("catalogue.delete", "删除", "Remove"),
    ("catalogue.empty", "尚无派单规则", "No rules yet"),
    ("catalogue.as_of", "查看某一时间的目录", "The catalogue as it stood at"),
    ("catalogue.show", "查看", "Show"),
    ("catalogue.now", "回到当前目录", "Back to today's catalogue"),
    ("catalogue.as_of_note", "以下是当时有效的派单目录（只读）：", "The catalogue in force then (read-only):"),
    ("catalogue.versions", "变更记录", "Changes"),
    (
        "catalogue.versions_hint",
        "每次设置或删除规则都留下一个版本及其生效时间；统计以前的时段时按当时的目录计算。最近 50 条。",
        "Each rule set or removed keeps a version with the time it took effect; figures for a past period use the catalogue then in force. The latest 50.",
    ),
    ("catalogue.no_versions", "尚无变更记录", "No changes yet"),
    ("catalogue.removed", "已删除", "Removed"),
    ("catalogue.since_always", "最初即有效", "In force from the start"),
    ("catalogue.actions", "操作", "Actions"),
    (
        "catalogue.replace_hint",
        "同一类别在同一区域只有一条规则，再次保存即替换。",
        "There is one rule per category and area; saving again replaces it.",
    ),
    ("policy.title", "时限规则", "Deadlines"),
    ("policy.builtin", "内置规则", "Built-in"),
    ("policy.custom", "本地规则", "Local rules"),
    (
        "policy.intro",
        "派单时按下表确定签收、响应、办结时限。修改只影响之后派出或重办的工单，已派工单的时限不变（延期除外）。",
        "Dispatch sets the accept, contact and resolve deadlines from this table. A change applies to tickets dispatched or reopened afterwards; deadlines already given never move except by an approved extension.",
    ),
    ("policy.accept", "签收时限", "Accept within"),
    ("policy.contact", "响应时限", "Contact within"),
    ("policy.resolve", "办结时限", "Resolve within"),
    ("policy.rules", "时限规则表", "Deadline rules"),
    (
        "policy.first_match",
        "自上而下第一条符合条件的规则生效；“个工作日”按下方日历跳过节假日，并计入调休上班日。",
        "The first matching rule from the top applies; working days skip the holidays below and count the make-up working days.",
    ),
    ("policy.calendar", "工作日历", "Working calendar"),
    ("policy.holidays", "节假日", "Holidays"),
    ("policy.makeup", "调休上班日", "Make-up working days"),
    ("policy.resupervise", "再次督办间隔", "Supervise again after"),
    ("policy.edit", "修改时限规则", "Edit the deadlines"),
    (
        "policy.edit_hint",
        "TOML 格式：每条 [[rules]] 可限定 urgency（critical/urgent/normal/consult）、epidemic_related、request_types，并给出 accept_within、contact_within（可省略）、resolve_within，单位为 minutes、hours、natural_days 或 working_days；[calendar] 列出 holidays 和 makeup_workdays。保存前会检查每类工单都有规则。",
        "TOML: each [[rules]] may narrow urgency (critical/urgent/normal/consult), epidemic_related and request_types, and gives accept_within, contact_within (optional) and resolve_within in minutes, hours, natural_days or working_days; [calendar] lists holidays and makeup_workdays. Saving checks that every kind of ticket has a rule.",
    ),
    ("policy.toml", "规则（TOML）", "Rules (TOML)"),
    ("policy.reset", "恢复内置规则", "Restore the built-in rules"),
    ("intake.answer", "答复内容", "Answer given"),
    ("intake.emergency", "转至", "Hand over to"),
    ("intake.transfer_note", "转接说明", "Hand-over note"),
    ("intake.submit", "登记", "Record"),
    (
        "intake.submit_hint",
        "提交后打开工单页",
        "Opens the ticket when saved",
    ),
    (
        "intake.followups",
        "该来电人有未办结的工单",
        "This caller has open tickets",
    ),
    (
        "intake.followups_hint",
        "同一件事请记为跟进，不要重复建单；确需新建请勾选“仍然新建”后再提交。",
        "If it is the same matter, add it as a follow-up; to record a new ticket anyway, tick \"Create anyway\" and submit again.",
    ),
    (
        "intake.as_followup",
        "作为跟进记录到该工单",
        "Add as a follow-up to this ticket",
    ),
    ("intake.force_new", "仍然新建", "Create anyway"),
    (
        "intake.not_saved",
        "尚未登记：该来电人有未办结的工单，请先看右侧（手机在下方）。",
        "Not recorded yet: this caller has open tickets; see beside (or below) the form.",
    ),
    ("intake.tips", "快捷操作", "Shortcuts"),
    (
        "intake.tip_triage",
        "按诉求内容识别类别、紧急程度和住户",
        "suggest category, urgency and household from the text",
    ),
    ("intake.tip_submit", "登记并打开工单", "record and open the ticket"),
    (
        "intake.tip_household",
        "在住户查找框里选中住户",
        "pick a household from the finder",
    ),
    (
        "intake.tip_critical",
        "特急工单登记后所有在岗屏幕立即报警，直到有人签收。",
        "A critical ticket alarms every on-duty screen until someone accepts it.",
    ),
    ("queue.dispatch", "待派单", "To dispatch"),
    (
        "queue.dispatch_hint",
        "新登记、退单待审和延期待审的工单，特急在前。",
        "New tickets, and return and extension requests to review; critical first.",
    ),
    ("queue.inbox", "本单位工单", "Our tickets"),
    (
        "queue.inbox_hint",
        "派给本单位的工单：先签收，再联系居民，办结后反馈。",
        "Tickets sent to your agency: accept, contact the resident, report the result.",
    ),
    ("queue.tab_accept", "待签收", "To accept"),
    ("queue.tab_progress", "办理中", "In progress"),
    ("queue.tab_overdue", "已超期", "Overdue"),
    ("queue.overdue", "超期工单", "Overdue tickets"),
    (
        "queue.overdue_hint",
        "负责区域内已超过签收、响应或办结期限的工单。",
        "Open tickets in your areas past an accept, contact or resolve deadline.",
    ),
    ("queue.supervision", "督办工单", "Under supervision"),
    (
        "queue.supervision_hint",
        "重点督办和二次督办中、尚未办结的工单。",
        "Open tickets under level 1 or level 2 supervision.",
    ),
    ("queue.callback", "待回访", "To call back"),
    (
        "queue.callback_hint",
        "承办单位已反馈，待回访居民：是否解决、是否满意。",
        "Resolved by the agency; call the resident back: solved? satisfied?",
    ),
    ("queue.empty", "暂无工单。", "No tickets."),
    ("queue.next", "下一页", "Next page"),
    ("ticket.number", "编号", "Number"),
    ("ticket.title", "诉求", "Request"),
    ("ticket.urgency", "紧急程度", "Urgency"),
    ("ticket.category", "类别", "Category"),
    ("ticket.area", "区域", "Area"),
    ("ticket.agency", "承办单位", "Agency"),
    ("ticket.status", "状态", "Status"),
    ("ticket.deadline", "期限", "Deadline"),
    ("ticket.phone", "来电", "Phone"),
    ("ticket.epidemic", "涉疫", "Epidemic"),
    ("ticket.confidential", "保密", "Confidential"),
    ("ticket.overdue", "已超期", "Overdue"),
    ("ticket.sup1", "重点督办", "Supervised"),
    ("ticket.sup2", "二次督办", "Supervised again"),
    ("ticket.escalated", "已提级", "Escalated"),
    ("ticket.registered_at", "登记于", "recorded"),
    ("ticket.content", "诉求内容", "Request"),
    ("ticket.caller", "来电人", "Caller"),
    (
        "ticket.caller_hidden",
        "保密工单，来电人不对承办单位显示",
        "Confidential: the caller is not shown to agencies",
    ),
    ("ticket.household", "住户", "household"),
    ("ticket.not_dispatched", "尚未派单", "Not dispatched yet"),
    ("ticket.assisting", "协办单位", "Assisting agencies"),
    ("ticket.assisting_hint", "（可多选）", "(any number)"),
    ("ticket.mode", "派单方式", "Dispatch mode"),
    ("ticket.result", "办理结果", "Result"),
    ("ticket.closure", "归档方式", "How it closed"),
    ("ticket.cancel_reason", "撤销原因", "Why cancelled"),
    ("ticket.merged_into", "已并入", "Merged into"),
    ("ticket.reveal", "显示完整号码", "Show full number"),
    ("ticket.reveal_reason", "查看原因", "Why you need it"),
    (
        "ticket.reveal_hint",
        "如：回访居民（将记入操作日志）",
        "e.g. calling back (logged)",
    ),
    ("ticket.deadlines", "办理期限", "Deadlines"),
    ("ticket.clock_met", "已完成", "Met"),
    ("ticket.clock_open", "进行中", "Running"),
    ("ticket.return_pending", "退单申请待审核", "Return request to review"),
    (
        "ticket.extension_pending",
        "延期申请待审核",
        "Extension request to review",
    ),
    ("ticket.timeline", "办理过程", "Timeline"),
    ("ticket.actions", "办理", "Act"),
    ("ticket.review", "管理", "Manage"),
    ("ticket.note", "备注", "Note"),
    ("ticket.until", "延至", "New resolve-by time"),
    (
        "ticket.redispatch_to",
        "改派给（可选）",
        "Send straight to (optional)",
    ),
    ("ticket.back_to_desk", "退回派单员", "Back to the dispatcher"),
    ("ticket.refuse_note", "驳回理由", "Why refused"),
    ("ticket.contacted", "联系上居民", "Resident reached"),
    ("ticket.solved", "是否解决", "Solved?"),
    ("ticket.satisfaction", "是否满意", "Satisfied?"),
    (
        "ticket.callback_hint",
        "未解决或不满意的工单将自动重办。",
        "Unsolved or unsatisfied tickets go back to the agency.",
    ),
    ("ticket.escalate_to", "提级至", "Escalate to"),
    (
        "ticket.merge_into",
        "并入工单（编号）",
        "Merge into ticket (number)",
    ),
    ("clock.accept", "签收", "Accept by"),
    ("clock.resolve", "办结", "Resolve by"),
    ("cmd.dispatch", "派单", "Dispatch"),
    ("cmd.accept", "签收", "Accept"),
    ("cmd.record_contact", "已联系居民", "Resident contacted"),
    ("cmd.request_return", "申请退单", "Request return"),
    ("cmd.approve_return", "同意退单", "Approve return"),
    ("cmd.refuse_return", "驳回退单", "Refuse return"),
    ("cmd.request_extension", "申请延期", "Request extension"),
    ("cmd.approve_extension", "同意延期", "Approve extension"),
    ("cmd.refuse_extension", "驳回延期", "Refuse extension"),
    ("cmd.resolve", "办结反馈", "Report result"),
    ("cmd.callback", "记录回访", "Record callback"),
    ("cmd.reopen", "重办", "Reopen"),
    ("cmd.escalate", "提级办理", "Escalate"),
    ("cmd.supervise", "督办", "Supervise"),
    ("cmd.merge", "合并", "Merge"),
    ("cmd.cancel", "撤销工单", "Cancel ticket"),
    ("cmd.add_note", "添加备注", "Add note"),
    ("search.title", "工单查询", "Find tickets"),
    ("search.q", "关键词或工单编号", "Words or ticket number"),
    (
        "search.q_hint",
        "如：胸痛、买药、YHT20261123…",
        "e.g. chest pain, medicine, YHT20261123…",
    ),
    ("search.any", "全部", "Any"),
    ("search.overdue_yes", "已超期", "Overdue"),
    ("search.overdue_no", "未超期", "Not overdue"),
    ("search.from", "登记日期自", "Recorded from"),
    ("search.to", "至", "to"),
    ("search.submit", "查询", "Search"),
    ("search.empty", "没有符合条件的工单。", "No ticket matches."),
];

fn table() -> &'static HashMap<&'static str, (&'static str, &'static str)> {
    static T: OnceLock<HashMap<&'static str, (&'static str, &'static str)>> = OnceLock::new();
    T.get_or_init(|| MESSAGES.iter().map(|(k, z, e)| (*k, (*z, *e))).collect())
}

/// The translator handed to every template.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn new(lang: Lang) -> Tr {
        Tr { lang }
    }
    /// The text for `key`; an unknown key shows itself, so a gap is visible, not blank.
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        match table().get(key) {
            Some((zh, en)) => self.lang.pick(zh, en),
            None => key,
        }
    }
    pub fn code(&self) -> &'static str {
        self.lang.code()
    }
    pub fn html_lang(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
    pub fn other(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "en",
            Lang::En => "zh",
        }
    }
    pub fn is_zh(&self) -> bool {
        self.lang == Lang::Zh
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_both_languages_filled() {
        let mut seen = std::collections::HashSet::new();
        for (k, zh, en) in MESSAGES {
            assert!(seen.insert(*k), "duplicate key {k}");
            assert!(!zh.is_empty() && !en.is_empty(), "{k} lacks a translation");
        }
    }

    #[test]
    fn every_key_used_in_templates_exists() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut missing = Vec::new();
        let mut stack = vec![std::path::PathBuf::from(dir)];
        while let Some(p) = stack.pop() {
            for e in std::fs::read_dir(&p).unwrap() {
                let path = e.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let src = std::fs::read_to_string(&path).unwrap();
                for part in src.split("t.t(\"").skip(1) {
                    let key = &part[..part.find('"').unwrap()];
                    if !table().contains_key(key) {
                        missing.push(format!("{}: {key}", path.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "untranslated keys: {missing:?}");
    }

    #[test]
    fn picks_language() {
        assert_eq!(Tr::new(Lang::Zh).t("login.submit"), "登录");
        assert_eq!(Tr::new(Lang::En).t("login.submit"), "Log in");
    }
}
