use super::*;
use crate::triage::{demo_compounds, split_chat_export};

/// A morning in one building's group, in the three layouts WeChat copies come in.
const GROUP: &str = "\
锦绣花园3号楼业主群(486)
物业-小刘 2022-04-05 08:00
【通知】今天上午9点3号楼下楼做核酸，请带好身份证

张阿姨-3-2-501 2022-04-05 08:31
家里老人降压药只剩一天了

张阿姨-3-2-501 2022-04-05 08:32
能不能帮忙买一下，硝苯地平

孙女士 12-1-1101 2022-04-05 08:35
[图片]

孙女士 12-1-1101 2022-04-05 08:36
家里米和油都没了，什么时候能送菜
[08:37] 3-2-502王: +1 我家也没米了
[08:38] 李大爷: 同求
[08:40] 12栋1102李姐: 楼道垃圾两天没人收了
[08:41] 王强撤回了一条消息
[08:42] 网格员小陈: 各位居民，垃圾下午统一清运
陈三：谢谢[抱拳]
刘姐：收到
赵六 3-1-301：我家也是
吴十：孩子发烧39度，3-1-402
志愿者老周：辛苦了大家
[语音]
郑一：我家在3-2-601，我爸胸口疼得厉害，喘不上气
";

fn parts(b: Option<&str>, e: Option<&str>, r: Option<&str>) -> AddressParts {
    AddressParts {
        compound: None,
        building: b.map(str::to_string),
        entrance: e.map(str::to_string),
        room: r.map(str::to_string),
    }
}

fn read(text: &str) -> GroupReading {
    read_group(&split_chat_export(text), &demo_compounds(), &|t: &str| {
        t.contains("昏迷")
    })
}

#[test]
fn a_group_morning_yields_exactly_its_requests() {
    let g = read(GROUP);
    let needs: Vec<&GroupItem> = g.items.iter().filter(|i| i.skip.is_none()).collect();
    let summary: Vec<(Option<&str>, &str)> = needs
        .iter()
        .map(|i| (i.name.as_deref(), i.text.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (
                Some("张阿姨"),
                "家里老人降压药只剩一天了\n能不能帮忙买一下，硝苯地平"
            ),
            (Some("孙女士"), "家里米和油都没了，什么时候能送菜"),
            (Some("李姐"), "楼道垃圾两天没人收了"),
            (Some("吴十"), "孩子发烧39度，3-1-402"),
            (Some("郑一"), "我家在3-2-601，我爸胸口疼得厉害，喘不上气"),
        ]
    );
    // One sender's two messages a minute apart are one request.
    assert_eq!(needs[0].messages, 2);
    assert_eq!(needs[0].sent_at.as_deref(), Some("2022-04-05 08:31"));
    // The address in the sender's name.
    assert_eq!(
        needs[0].sender_address,
        parts(Some("3"), Some("2"), Some("501"))
    );
    assert_eq!(
        needs[1].sender_address,
        parts(Some("12"), Some("1"), Some("1101"))
    );
    assert_eq!(
        needs[2].sender_address,
        parts(Some("12"), None, Some("1102"))
    );
    assert!(needs[3].sender_address.is_empty());
    // "+1" and "同求" join the need before them, with their own addresses.
    let co: Vec<(Option<&str>, &AddressParts)> = needs[1]
        .co_requesters
        .iter()
        .map(|c| (c.name.as_deref(), &c.address))
        .collect();
    assert_eq!(
        co,
        [
            (Some("王"), &parts(Some("3"), Some("2"), Some("502"))),
            (Some("李大爷"), &AddressParts::default()),
        ]
    );
    assert_eq!(needs[1].co_requesters[0].text, "+1 我家也没米了");
    let zhao = &needs[2].co_requesters;
    assert_eq!(zhao.len(), 1, "{zhao:?}");
    assert_eq!(zhao[0].name.as_deref(), Some("赵六"));
    assert_eq!(zhao[0].address, parts(Some("3"), Some("1"), Some("301")));
    assert!(needs[3].co_requesters.is_empty() && needs[4].co_requesters.is_empty());

    // Everything else is there, unticked, each with its reason.
    let skipped: Vec<(&str, NotARequest)> = g
        .items
        .iter()
        .filter_map(|i| i.skip.map(|s| (i.text.as_str(), s)))
        .collect();
    use NotARequest::*;
    assert_eq!(
        skipped,
        [
            ("锦绣花园3号楼业主群(486)", GroupTitle),
            ("【通知】今天上午9点3号楼下楼做核酸，请带好身份证", Staff),
            ("[图片]", Placeholder),
            ("王强撤回了一条消息", System),
            ("各位居民，垃圾下午统一清运", Staff),
            ("谢谢[抱拳]", Thanks),
            ("收到", Thanks),
            ("辛苦了大家", Thanks),
            ("[语音]", Placeholder),
        ]
    );
    // The group's name says where it is.
    assert_eq!(g.title.as_deref(), Some("锦绣花园3号楼业主群(486)"));
    assert_eq!(g.title_compound, Some(crate::AreaId(101)));
    assert_eq!(g.title_address.building.as_deref(), Some("3"));
    // Rows keep the paste's order.
    assert!(g.items.windows(2).all(|w| w[0].position < w[1].position));
}

#[test]
fn a_danger_sign_is_never_folded_away_or_unticked() {
    let g = read("张阿姨：家里没菜了\n钱七：我也是，我妈昏迷了\n物业小王：5栋1单元101老人昏迷了\n");
    let needs: Vec<&str> = g
        .items
        .iter()
        .filter(|i| i.skip.is_none())
        .map(|i| i.text.as_str())
        .collect();
    assert_eq!(
        needs,
        ["家里没菜了", "我也是，我妈昏迷了", "5栋1单元101老人昏迷了"]
    );
    assert!(g.items[0].co_requesters.is_empty());
}

#[test]
fn messages_far_apart_or_from_others_stay_apart() {
    let g = read(
        "张阿姨 08:31\n药没了\n张阿姨 08:40\n菜也没了\n李四 08:41\n水管漏了\n张阿姨 08:42\n电梯坏了\n",
    );
    let texts: Vec<&str> = g.items.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(texts, ["药没了", "菜也没了", "水管漏了", "电梯坏了"]);
    // Without times, one sender's consecutive lines are one request.
    let g = read("张阿姨：药没了\n张阿姨：3-2-501\n李四：水管漏了\n");
    let texts: Vec<&str> = g.items.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(texts, ["药没了\n3-2-501", "水管漏了"]);
    // A "+1" with nothing before it is read as it stands.
    let g = read("李四：+1\n");
    assert_eq!(g.items.len(), 1);
    assert_eq!(g.items[0].skip, None);
}

#[test]
fn replies_and_noise_are_told_from_needs() {
    for (text, me_too) in [
        ("+1", true),
        ("+1 我家也没米了", true),
        ("同求", true),
        ("@张阿姨 同上", true),
        ("我家也是，3栋2单元502", true),
        ("+1 另外我家老人的降压药也吃完了三天没吃了", false),
        ("家里没米了", false),
    ] {
        assert_eq!(is_me_too(text), me_too, "{text}");
    }
    for (text, ack) in [
        ("谢谢", true),
        ("谢谢志愿者", true),
        ("收到，辛苦了！", true),
        ("好的谢谢", true),
        ("谢谢，药还没送到", false),
        ("好冷啊家里没暖气", false),
    ] {
        assert_eq!(is_ack(&meaningful(text)), ack, "{text}");
    }
    assert!(meaningful("[图片][语音]3\"  [抱拳]👍").is_empty());
    assert_eq!(meaningful("[图片]药没了"), "药没了");
    for title in [
        "锦绣花园3号楼业主群(486)",
        "金桂小区业主群",
        "翠竹苑2栋群（120）",
    ] {
        assert!(is_group_title(title), "{title}");
    }
    assert!(!is_group_title("请问谁在群里，药没了"));
    assert_eq!(minute_of("08:31"), Some(8 * 60 + 31));
    assert_eq!(
        minute_of("2022-04-05 08:36").unwrap() - minute_of("2022/4/5 08:31").unwrap(),
        5
    );
    assert_eq!(minute_of("昨天"), None);
    // Odd input never panics.
    let _ = read("[\u{0}]\n【】：\n[语音\n@\n+1\n【通知\n");
}
