//! The service's error: what went wrong, said in the user's language, with the field at fault.

use yihaotai_domain::vocab::Lang;
use yihaotai_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("not logged in, or the session has expired")]
    Unauthenticated,
    #[error("wrong login or password")]
    BadCredentials,
    /// A bearer token that is unknown, expired or revoked (not a login session).
    #[error("the API token is not valid: it is unknown, expired or revoked")]
    BadToken,
    #[error("too many login attempts from here; try again in {minutes} minutes")]
    Throttled { minutes: i64 },
    #[error("the account is disabled")]
    Disabled,
    /// Too much work queued (password hashing): refused at once rather than left waiting.
    #[error("the desk is busy; try again in a few seconds")]
    Busy,
    #[error("not allowed: {en}")]
    Forbidden { zh: String, en: String },
    #[error("not found")]
    NotFound,
    /// Bad input: which field, and what is wrong, in both languages.
    #[error("{field}: {en}")]
    Invalid {
        field: String,
        zh: String,
        en: String,
    },
    #[error("conflict: {en}")]
    Conflict { zh: String, en: String },
    /// A request body over the limit.
    #[error("the request is too large: the limit is {limit_kb} KB")]
    TooLarge { limit_kb: usize },
    #[error("storage: {0}")]
    Store(StoreError),
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ServiceError::NotFound,
            // The service checks every id a command names first, so a constraint that still
            // refuses a write is a clash with a concurrent change (a name taken meanwhile):
            // a conflict that names the constraint, never "try again".
            StoreError::Conflict(name) => ServiceError::Conflict {
                zh: format!("与现有数据冲突（{name}），未作任何修改"),
                en: format!("this clashes with existing data ({name}); nothing was changed"),
            },
            other => ServiceError::Store(other),
        }
    }
}

impl ServiceError {
    pub fn invalid(field: &str, zh: impl Into<String>, en: impl Into<String>) -> ServiceError {
        ServiceError::Invalid {
            field: field.to_string(),
            zh: zh.into(),
            en: en.into(),
        }
    }

    pub fn forbidden(zh: impl Into<String>, en: impl Into<String>) -> ServiceError {
        ServiceError::Forbidden {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// Outside the caller's areas: said the same way as "not found", so that a scoped user
    /// cannot learn that another community's records exist.
    pub fn out_of_scope() -> ServiceError {
        ServiceError::NotFound
    }

    /// The message a person sees; never includes internals.
    pub fn localized(&self, lang: Lang) -> String {
        use ServiceError::*;
        match (self, lang) {
            (Unauthenticated, Lang::Zh) => "请先登录（会话不存在或已过期）".into(),
            (BadCredentials, Lang::Zh) => "用户名或密码错误".into(),
            (BadToken, Lang::Zh) => {
                "API令牌无效：不存在、已过期或已撤销，请向管理员申请新令牌".into()
            }
            (Throttled { minutes }, Lang::Zh) => {
                format!("此处登录尝试次数过多，请{minutes}分钟后再试")
            }
            (Disabled, Lang::Zh) => "该账号已停用，请联系管理员".into(),
            (Busy, Lang::Zh) => "系统繁忙，请几秒后再试".into(),
            (Forbidden { zh, .. }, Lang::Zh) => format!("无权操作：{zh}"),
            (NotFound, Lang::Zh) => "找不到该记录，或不在您负责的区域内".into(),
            (NotFound, Lang::En) => "not found, or not in the areas you serve".into(),
            (Invalid { field, zh, .. }, Lang::Zh) => format!("{field}：{zh}"),
            (Conflict { zh, .. }, Lang::Zh) => zh.clone(),
            (TooLarge { limit_kb }, Lang::Zh) => {
                format!("提交的内容过大：上限为 {limit_kb} KB，请删减后重试")
            }
            (Conflict { en, .. }, Lang::En) => en.clone(),
            (Store(StoreError::VersionConflict(_)), Lang::Zh) => {
                "记录正被他人同时修改，请刷新后重试".into()
            }
            (Store(StoreError::VersionConflict(_)), Lang::En) => {
                "someone else is changing this record; reload and try again".into()
            }
            (Store(_), Lang::Zh) => "系统暂时无法保存或读取数据，请稍后重试".into(),
            (Store(_), Lang::En) => {
                "the system cannot read or save data right now; try again shortly".into()
            }
            (e, Lang::En) => e.to_string(),
        }
    }

    /// The HTTP status this error maps to.
    pub fn status(&self) -> u16 {
        use ServiceError::*;
        match self {
            Unauthenticated | BadCredentials | BadToken => 401,
            Throttled { .. } => 429,
            Disabled | Forbidden { .. } => 403,
            NotFound => 404,
            Invalid { .. } => 422,
            Conflict { .. } => 409,
            TooLarge { .. } => 413,
            Store(StoreError::Unreachable(_)) | Busy => 503,
            Store(StoreError::VersionConflict(_)) => 409,
            Store(_) => 500,
        }
    }
}
