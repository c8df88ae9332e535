//! Invented Chinese names: a common surname and a given name in the fashion of the decade
//! the person was born in, so that a 1948 grandmother is 秀兰 and her granddaughter 梓涵.

use super::Rng;

/// Roughly in order of frequency; [`surname`] favours the front of the list.
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "高", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "蒋", "蔡", "余", "杜", "叶", "程", "魏", "苏", "吕", "丁", "任",
    "卢", "姚", "沈", "钟", "姜", "崔", "谭", "陆", "范", "汪", "廖", "石", "金", "韦", "贾", "夏",
    "付", "方", "邹", "熊", "白", "孟", "秦", "邱", "侯", "江", "尹", "薛", "段", "雷", "龙", "黎",
    "史", "陶", "贺", "毛", "郝", "顾", "龚", "邵", "万", "严",
];

/// Two-character given names of one era and sex. New names are also made by pairing the
/// first character of one entry with the second of another (建 + 华), which multiplies the
/// variety while keeping the style of the era.
struct Pool {
    two: &'static [&'static str],
    one: &'static [&'static str],
}

const OLD_MALE: Pool = Pool {
    two: &[
        "建国", "国庆", "建华", "志明", "德明", "国强", "永福", "长生", "文华", "振华", "树林",
        "桂林", "福生", "德胜", "忠诚", "宝山", "富贵", "玉成", "庆丰", "世昌", "根生", "家齐",
    ],
    one: &["军", "明", "华", "强", "福", "林", "山", "海", "昌", "胜"],
};
const OLD_FEMALE: Pool = Pool {
    two: &[
        "秀英", "桂英", "秀兰", "桂兰", "淑珍", "玉兰", "凤英", "淑华", "玉珍", "秀珍", "翠华",
        "素芬", "桂芳", "金凤", "玉梅", "秀云", "淑芬", "桂珍", "凤兰", "素珍", "月娥", "巧云",
    ],
    one: &["英", "兰", "珍", "芬", "梅", "华", "凤", "娥", "秀", "琴"],
};
const MID_MALE: Pool = Pool {
    two: &[
        "志强", "海涛", "建军", "晓东", "立新", "卫东", "红兵", "建平", "国平", "永刚", "小军",
        "文斌", "志刚", "明华", "德华", "俊峰", "卫国", "新民", "向东", "学军", "春雷", "振宇",
    ],
    one: &[
        "伟", "勇", "军", "强", "磊", "斌", "涛", "刚", "平", "辉", "波", "峰",
    ],
};
const MID_FEMALE: Pool = Pool {
    two: &[
        "丽娟", "秀梅", "晓燕", "海燕", "丽华", "红梅", "春燕", "雪梅", "丽萍", "慧敏", "玉洁",
        "小红", "秀丽", "彩霞", "桂芝", "艳华", "爱萍", "建英", "晓红", "美玲", "淑敏", "红霞",
    ],
    one: &[
        "丽", "芳", "敏", "静", "燕", "红", "霞", "艳", "萍", "娟", "玲", "洁",
    ],
};
const YOUNG_MALE: Pool = Pool {
    two: &[
        "俊杰", "浩然", "子豪", "明轩", "宇航", "天宇", "博文", "志远", "晨阳", "鹏飞", "文博",
        "嘉豪", "泽宇", "一鸣", "晓峰", "家乐", "宏伟", "思远", "俊宇", "浩宇", "子健", "佳明",
    ],
    one: &[
        "浩", "鹏", "杰", "宇", "超", "帅", "磊", "鑫", "昊", "凯", "晨", "阳",
    ],
};
const YOUNG_FEMALE: Pool = Pool {
    two: &[
        "佳怡", "雨婷", "梦瑶", "思琪", "欣然", "诗涵", "晓雯", "雅婷", "婉婷", "佳琪", "静怡",
        "梦洁", "心怡", "紫萱", "晓彤", "雪莹", "丹妮", "悦然", "文静", "思雨", "慧琳", "嘉欣",
    ],
    one: &[
        "婷", "雪", "琳", "倩", "颖", "蕾", "洁", "璐", "莹", "楠", "悦", "瑶",
    ],
};
const KID_MALE: Pool = Pool {
    two: &[
        "子轩", "梓睿", "浩宇", "宇泽", "沐辰", "睿哲", "奕辰", "铭泽", "子墨", "思源", "俊熙",
        "宸宇", "皓轩", "嘉懿", "煜祺", "智宸", "梓航", "子涵", "承泽", "锦程", "一帆", "景行",
    ],
    one: &["睿", "轩", "泽", "辰", "航", "骁", "宸", "霖", "祺", "朗"],
};
const KID_FEMALE: Pool = Pool {
    two: &[
        "梓涵", "欣怡", "一诺", "语桐", "可馨", "诗琪", "若汐", "雨桐", "梓萱", "芊芊", "沐晴",
        "安然", "语嫣", "思彤", "依诺", "星妍", "清欢", "梓琪", "悦溪", "婉清", "知夏", "书瑶",
    ],
    one: &["萱", "彤", "妍", "琪", "涵", "悦", "汐", "晴", "瑶", "萌"],
};

/// Favours common surnames: the smallest of three draws lands in the first ten entries
/// about a quarter of the time, as the ten commonest surnames do in life.
pub(super) fn surname(rng: &mut Rng) -> &'static str {
    let n = SURNAMES.len() as u64;
    let i = rng.below(n).min(rng.below(n)).min(rng.below(n));
    SURNAMES[i as usize]
}

pub(super) fn given_name(rng: &mut Rng, birth_year: i16, male: bool) -> String {
    let pool = match (birth_year, male) {
        (..=1959, true) => &OLD_MALE,
        (..=1959, false) => &OLD_FEMALE,
        (1960..=1984, true) => &MID_MALE,
        (1960..=1984, false) => &MID_FEMALE,
        (1985..=2004, true) => &YOUNG_MALE,
        (1985..=2004, false) => &YOUNG_FEMALE,
        (_, true) => &KID_MALE,
        (_, false) => &KID_FEMALE,
    };
    // One-character given names were common before the 1990s and are rare for children now.
    let single_per_10k = if birth_year < 1985 { 3_000 } else { 1_200 };
    match rng.below(10_000) {
        r if r < single_per_10k => rng.pick(pool.one).to_string(),
        r if r < 6_000 => rng.pick(pool.two).to_string(),
        _ => {
            let first = rng.pick(pool.two).chars().next();
            let second = rng.pick(pool.two).chars().nth(1);
            first.into_iter().chain(second).collect()
        }
    }
}
