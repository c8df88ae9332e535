//! Realistic requests for the generators: what residents say, by category, with the
//! urgency and request type a desk agent would record.

use rand::seq::SliceRandom;
use rand::Rng;

pub struct Template {
    pub category: &'static str,
    pub request_type: &'static str,
    pub urgency: &'static str,
    /// `{a}` is replaced by the caller's address.
    pub text: &'static str,
    /// How often, relative to the others.
    pub weight: u32,
}

pub const TEMPLATES: &[Template] = &[
    t(
        "medical",
        "help",
        "critical",
        "羊水破了，{a}，救护车进不来，快派人",
        1,
    ),
    t(
        "medical",
        "help",
        "critical",
        "老人突然晕倒叫不醒，{a}，已经打了120还没到",
        1,
    ),
    t(
        "medical",
        "help",
        "critical",
        "孩子高烧抽搐，{a}，需要马上送医院",
        1,
    ),
    t(
        "medical",
        "help",
        "urgent",
        "家里老人发烧三天了，需要医生上门看看，{a}",
        4,
    ),
    t(
        "medical",
        "help",
        "urgent",
        "透析病人明天上午要去医院透析，需要车和出入证明，{a}",
        3,
    ),
    t(
        "medical",
        "help",
        "urgent",
        "孕妇到了产检时间，需要出小区去妇幼保健院，{a}",
        2,
    ),
    t(
        "medicine",
        "help",
        "urgent",
        "糖尿病人胰岛素只剩两天的量了，{a}，请帮忙代购",
        4,
    ),
    t(
        "medicine",
        "help",
        "normal",
        "老人高血压药快吃完了，需要代购氨氯地平片，{a}",
        6,
    ),
    t(
        "supplies",
        "help",
        "normal",
        "家里米和菜都没了，两位老人不会网上买菜，{a}",
        8,
    ),
    t(
        "supplies",
        "help",
        "normal",
        "需要婴儿奶粉和尿不湿，小孩八个月，{a}",
        3,
    ),
    t(
        "elderly_child_care",
        "help",
        "normal",
        "独居老人八十多岁，子女在外地，请社区上门看看，{a}",
        4,
    ),
    t(
        "testing",
        "consult",
        "normal",
        "今天的核酸检测什么时候到我们楼，{a}",
        5,
    ),
    t(
        "pet",
        "help",
        "normal",
        "主人被转运隔离了，家里的猫没人喂，{a}",
        2,
    ),
    t(
        "psychological",
        "help",
        "urgent",
        "隔离时间长了，心里很焦虑，整晚睡不着，想找人聊聊，{a}",
        2,
    ),
    t(
        "sanitation",
        "complaint",
        "normal",
        "楼道垃圾三天没人清运了，味道很大，{a}",
        5,
    ),
    t(
        "delivery",
        "help",
        "normal",
        "快递堆在小区门口没人送，里面有急用的药，{a}",
        4,
    ),
    t(
        "transfer",
        "help",
        "urgent",
        "家里有人阳性，什么时候安排转运，{a}",
        2,
    ),
    t(
        "other",
        "suggestion",
        "normal",
        "建议小区门口多设一个物资分发点，排队太久，{a}",
        2,
    ),
];

const fn t(
    category: &'static str,
    request_type: &'static str,
    urgency: &'static str,
    text: &'static str,
    weight: u32,
) -> Template {
    Template {
        category,
        request_type,
        urgency,
        text,
        weight,
    }
}

pub const CONSULTS: &[(&str, &str)] = &[
    (
        "请问小区什么时候解封",
        "以街道每日公告为准，可关注望江街道公众号",
    ),
    (
        "外地回来需要隔离几天",
        "按现行政策居家健康监测三天，期间做两次核酸",
    ),
    ("核酸检测点几点开门", "每天上午8点到下午5点，中午不休息"),
];

const SURNAMES: &[&str] = &[
    "张", "王", "李", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙",
];
const GIVEN: &[&str] = &[
    "桂英", "秀兰", "建国", "志强", "海燕", "丽华", "国庆", "红梅", "晓东", "玉珍",
];

pub fn pick<R: Rng>(rng: &mut R) -> &'static Template {
    TEMPLATES
        .choose_weighted(rng, |t| t.weight)
        .expect("templates have weights")
}

pub fn text(t: &Template, address: &str) -> String {
    t.text.replace("{a}", address)
}

pub fn name<R: Rng>(rng: &mut R) -> String {
    format!(
        "{}{}",
        SURNAMES.choose(rng).unwrap(),
        GIVEN.choose(rng).unwrap()
    )
}

pub fn phone<R: Rng>(rng: &mut R) -> String {
    let second = [3, 5, 7, 8, 9][rng.gen_range(0..5)];
    format!("1{second}{:09}", rng.gen_range(0..1_000_000_000u32))
}
