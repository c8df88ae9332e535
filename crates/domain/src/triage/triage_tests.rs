use super::*;
use proptest::prelude::*;
use std::sync::OnceLock;

fn triage() -> &'static Triage {
    static T: OnceLock<Triage> = OnceLock::new();
    T.get_or_init(Triage::builtin)
}

fn a(text: &str) -> Analysis {
    triage().analyze_with(text, &demo_compounds())
}

#[track_caller]
fn expect(text: &str, category: &str, urgency: Urgency) {
    let got = a(text);
    assert_eq!(
        (got.category.as_str(), got.urgency),
        (category, urgency),
        "{text}: {:#?}",
        got.reasons
    );
}

#[test]
fn life_threatening_requests_are_critical() {
    for t in [
        "羊水破了",
        "我老婆要生了，救护车进不来",
        "孕妇肚子疼要生了",
        "我爸胸口剧烈疼痛",
        "老人胸口一阵一阵的疼，出冷汗",
        "我妈晕倒了叫不醒",
        "孩子喘不上气，嘴唇发紫",
        "手割破了血止不住",
        "爷爷突然嘴歪说话不清",
        "他说不想活了要跳楼",
        "孩子高烧抽搐口吐白沫",
        "羊水 破了",
        "洋水破了怎么办",
    ] {
        expect_level(t, Urgency::Critical);
    }
}

#[track_caller]
fn expect_level(text: &str, urgency: Urgency) {
    let got = a(text);
    assert_eq!(got.urgency, urgency, "{text}: {:#?}", got.reasons);
}

#[test]
fn negations_are_respected() {
    let got = a("孩子不发烧，就是有点咳嗽");
    assert!(got
        .reasons
        .iter()
        .any(|r| r.field == "negated" && r.phrase.contains("不发烧")));
    assert!(!got
        .reasons
        .iter()
        .any(|r| r.field == "urgency" && r.phrase == "发烧"));
    // The rules deny the danger sign; the model may still make a fall urgent for an old
    // person, which is its right, so the denial is checked on the rules.
    let rules = triage().analyze_blended(
        "没有出血，就是摔了一下",
        &[],
        None,
        crate::triage::blend::BLEND,
    );
    assert_eq!(rules.urgency, Urgency::Normal, "{:#?}", rules.reasons);
    assert_ne!(a("没有出血，就是摔了一下").urgency, Urgency::Critical);
    expect_level("不是要生了，想问下产检怎么去", Urgency::Consult);
    // Medicine for one more day is urgent whatever the caller says (issue 8's ladder).
    expect_level("降压药只剩一天了，不是很急", Urgency::Urgent);
    expect_level("不知道是不是羊水破了", Urgency::Critical);
    expect_level("孩子不停抽搐", Urgency::Critical);
    expect_level("高烧已经退了，谢谢", Urgency::Normal);
}

#[test]
fn quantities_decide_medicine_urgency() {
    expect("药只剩一天了", "medicine", Urgency::Urgent);
    expect("降压药只剩两天的量", "medicine", Urgency::Urgent);
    expect("家里的胰岛素明天就用完了", "medicine", Urgency::Urgent);
    expect("只有一天的药了", "medicine", Urgency::Urgent);
    expect("药还够一个月，想提前配一下", "medicine", Urgency::Normal);
    expect("降压药还能吃一周", "medicine", Urgency::Normal);
    expect("老人的药吃完了", "medicine", Urgency::Urgent);
    // Formula is a supply (the corpus brief's convention), and urgent for an infant.
    expect("宝宝奶粉喝完了", "supplies", Urgency::Urgent);
    let got = a("药还够一个月");
    assert!(got
        .reasons
        .iter()
        .any(|r| r.field == "urgency" && r.value == "normal" && r.phrase.contains("一个月")));
}

#[test]
fn categories_and_consultations() {
    expect("请问什么时候解封", "consultation", Urgency::Consult);
    expect("核酸几点开始做", "testing", Urgency::Consult);
    expect("家里没菜了，能帮忙送点吗", "supplies", Urgency::Normal);
    expect("猫粮快没了，能帮忙买吗", "pet", Urgency::Normal);
    expect("楼道垃圾两天没人收了", "sanitation", Urgency::Normal);
    expect("快递在门口放了三天没人送", "delivery", Urgency::Normal);
    expect("阳了两天了还没人来转运", "transfer", Urgency::Normal);
    expect(
        "我最近焦虑得睡不着，想找人聊聊",
        "psychological",
        Urgency::Normal,
    );
    expect("明天要透析，怎么出小区", "medical", Urgency::Urgent);
    // A question that names a thing or a procedure but asks for no action is a consult;
    // the same thing with a request for action is not.
    expect_level("请问社区卫生站能开降压药吗", Urgency::Consult);
    expect_level("家属探视要登记吗，需要申请什么", Urgency::Consult);
    expect_level("快递放在东门了，能帮我拿上来吗", Urgency::Normal);
}

#[test]
fn care_signals_and_epidemic_flag() {
    let got = a("我妈八十多岁独居，不会用智能手机，家里没米了");
    for t in [
        CareTag::ElderlyAlone,
        CareTag::Aged70Plus,
        CareTag::NoSmartphone,
    ] {
        assert!(
            got.care_signals.contains(&t),
            "{t:?}: {:?}",
            got.care_signals
        );
    }
    assert_eq!(got.urgency, Urgency::Urgent);
    let got = a("孕妇，8个月大的宝宝也在家，要做核酸");
    assert!(got.care_signals.contains(&CareTag::Pregnant));
    assert!(got.care_signals.contains(&CareTag::Infant));
    assert!(got.epidemic_related);
    assert!(got
        .reasons
        .iter()
        .any(|r| r.field == "epidemic" && r.phrase.contains("核酸")));
    let got = a("楼下的狗一直叫");
    assert!(!got.epidemic_related);
    assert!(got.care_signals.is_empty());
    let got = a("孩子发烧39.5度");
    assert_eq!(got.urgency, Urgency::Urgent);
    assert!(got.reasons.iter().any(|r| r.phrase == "39.5度"));
}

#[test]
fn address_and_compound_come_with_the_analysis() {
    let got = a("羊水破了！和平小区6栋2单元401");
    assert_eq!(got.address.compound.as_deref(), Some("和平里"));
    assert_eq!(got.compound_id, Some(crate::AreaId(103)));
    assert_eq!(got.address.room.as_deref(), Some("401"));
    let json = serde_json::to_value(&got).unwrap();
    assert_eq!(json["urgency"], "critical");
    assert_eq!(json["category"], "medical");
    assert_eq!(json["address"]["building"], "6");
}

#[test]
fn input_checks_and_limits() {
    assert_eq!(check_input("  "), Err(TriageInputError::Empty));
    assert_eq!(
        check_input("\0\u{FFFD}\n"),
        Err(TriageInputError::Unreadable)
    );
    assert_eq!(check_input(" 羊水破了 "), Ok("羊水破了"));
    assert!(TriageInputError::Empty.localized(Lang::Zh).contains("为空"));
    assert!(TriageInputError::Unreadable
        .localized(Lang::En)
        .contains("readable"));

    let empty = a("");
    assert_eq!(empty.confidence, 0.0);
    assert_eq!(empty.category.as_str(), "other");

    let big = format!("{}羊水破了", "邻居你好".repeat(300_000));
    let got = a(&big);
    assert!(got
        .reasons
        .iter()
        .any(|r| r.field == "input" && r.value == "truncated"));
    let early = format!("羊水破了{}", "。".repeat(400_000));
    assert_eq!(a(&early).urgency, Urgency::Critical);
}

#[test]
fn edited_lexicon_reloads() {
    let rules = |t: &Triage, text: &str| {
        t.analyze_blended(text, &[], None, crate::triage::blend::BLEND)
            .urgency
    };
    let text = "楼道里有很重的油漆味";
    assert_eq!(rules(triage(), text), Urgency::Normal);
    let added = format!(
        "{BUILTIN_LEXICON}\n[[rule]]\nname = \"paint_smell\"\nphrases = [\"油漆味\"]\ncategory = \"other\"\nurgency = \"urgent\"\n"
    );
    let t = Triage::from_toml(&added).unwrap();
    assert_eq!(rules(&t, text), Urgency::Urgent);

    // The ignore list is what keeps "中风险区" from reading as a stroke.
    assert_ne!(
        triage().analyze("中风险区什么时候降级").urgency,
        Urgency::Critical
    );
    let without = BUILTIN_LEXICON.replacen("\"中风险\", ", "", 1);
    let t = Triage::from_toml(&without).unwrap();
    assert_eq!(t.analyze("中风险区什么时候降级").urgency, Urgency::Critical);
    assert!(Triage::from_toml("max_bytes = 1\n").is_err());
}

proptest! {
    #[test]
    fn never_panics(s in "\\PC{0,300}", bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = a(&s);
        let _ = a(&String::from_utf8_lossy(&bytes));
        let _ = check_input(&s);
    }

    #[test]
    fn never_panics_on_lexicon_like_noise(s in "[不没有羊水破了药只剩一两天度39.岁八十多发烧，。 ]{0,80}") {
        let _ = a(&s);
    }
}

/// The learned model beside the rules (issue 8): it reads wordings the lexicon never saw,
/// says what it relied on, may raise a request to critical (asking the agent to check),
/// and never lowers a critical danger sign the rules found.
#[test]
fn the_model_reads_what_the_rules_miss_and_says_why() {
    let t = triage();
    let rules_only = |text: &str| {
        t.analyze_blended(text, &[], None, crate::triage::blend::BLEND)
            .urgency
    };
    let text = "俺家老头子从下午就喊不答应了，眼睛也睁不开";
    let got = t.analyze(text);
    assert_eq!(got.urgency, Urgency::Critical, "{:?}", got.reasons);
    let model = got
        .reasons
        .iter()
        .find(|r| r.field == "model" && r.value.starts_with("urgency:"))
        .expect("the model's opinion is a reason");
    assert!(model.phrase.contains('%'), "{model:?}");
    if rules_only(text) != Urgency::Critical {
        assert!(
            got.verify,
            "critical on the model's word alone asks to check"
        );
        assert!(got.reasons.iter().any(|r| r.field == "verify"));
    }
    // A danger sign the rules find stays critical whatever the model thinks.
    for text in ["羊水破了", "孩子不停抽搐"] {
        assert_eq!(rules_only(text), Urgency::Critical);
        assert_eq!(t.analyze(text).urgency, Urgency::Critical);
    }
}

/// The rules alone: the shipped model must not hide a gap in the lexicon.
fn rules(text: &str) -> Urgency {
    Triage::builtin()
        .analyze_blended(text, &[], None, super::blend::BLEND)
        .urgency
}

/// One line per chief complaint of emergency dispatch, and per life risk of a sealed home:
/// the critical form as people say it, and a milder form that must not be critical.
#[test]
fn every_chief_complaint_has_a_critical_form_and_a_milder_one() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "pregnancy",
            "我姐随时可能要分娩，羊水好像破了",
            "孕34周，想约下周的产检",
        ),
        (
            "chest pain",
            "我爸说消化不良，胸口堵得慌，出了一身汗",
            "想买点胃药，胃有点胀",
        ),
        (
            "unconscious",
            "二楼老太太倒了不吭声，叫她不应",
            "老人有点头晕，想量个血压",
        ),
        (
            "breathing",
            "宝宝喘得好快，鼻翼一扇一扇的",
            "有点咳嗽，想买止咳药",
        ),
        (
            "haemorrhage",
            "透析的瘘管出血了，血是喷出来的",
            "手指划了个小口子，要创可贴",
        ),
        (
            "stroke",
            "我妈突然说话不利索，嘴角歪了",
            "我妈中风后在做康复，想问能不能出门",
        ),
        (
            "convulsions",
            "我弟癫痫又抽上了，五分钟还没停",
            "抗癫痫药还剩一周，想续药",
        ),
        (
            "suicide",
            "我活够了，药我都攒齐了，跟你们说一声",
            "封控太久了心情不好，想找人聊聊",
        ),
        (
            "overdose",
            "孩子把奶奶的降压药当糖吃了，半板都没了",
            "降压药还有半个月的量",
        ),
        (
            "ingestion",
            "孩子喝了84，一直哭",
            "84消毒液用完了，能不能发一瓶",
        ),
        ("burns", "开水烫了孩子，胳膊一大片", "厨房热水器坏了"),
        (
            "electrocution",
            "我爸修插座触电了，倒在地上",
            "插座坏了想找电工",
        ),
        ("drowning", "孩子掉水缸里了", "水缸漏水了"),
        (
            "falls",
            "奶奶从楼梯上滚下来了，现在不说话了",
            "楼梯扶手松了，怕老人摔",
        ),
        (
            "traffic",
            "我被送菜的电动三轮撞了，被车撞了腿动不了",
            "送菜的三轮车停在门口挡路",
        ),
        (
            "assault",
            "楼下打架，有个人被捅了，血一直流",
            "楼下有人吵架，声音很大",
        ),
        (
            "abdominal",
            "肚子硬得像木板，疼得直冒冷汗",
            "肚子有点胀，想买点消食片",
        ),
        (
            "diabetic",
            "我妈打了胰岛素没东西吃，低血糖了，人呆呆的",
            "胰岛素还有一个月的",
        ),
        (
            "chemo fever",
            "我爸化疗完第五天，发高烧打寒战",
            "下个月要去做化疗复查，想问流程",
        ),
        (
            "sick person",
            "老人三天没吃没喝了，眼皮都睁不开",
            "老人胃口不好，想买点软的吃的",
        ),
        (
            "cold exposure",
            "暖气停了两天，老伴身上冰凉，说话不利索",
            "暖气不太热，能不能调一下",
        ),
        (
            "fire",
            "楼道里全是烟，不晓得哪家着火了",
            "楼道里堆了纸箱，能不能清一下",
        ),
        ("gas", "隔壁一股臭鸡蛋味，敲门没人开", "燃气费怎么交"),
        (
            "missing child",
            "儿子不见了！五岁，找了半个小时了",
            "孩子的网课账号登不上",
        ),
        (
            "missing dementia",
            "奶奶有阿尔茨海默，天没亮就走丢了",
            "奶奶有阿尔茨海默，想申请护工",
        ),
        (
            "violence",
            "他喝醉了在打我，拿皮带抽，我躲在厕所",
            "邻居装修太吵了",
        ),
        (
            "psychosis with a knife",
            "我哥精神病犯了，拿着菜刀在客厅转",
            "我哥有精神病，药还剩五天",
        ),
        (
            "ambulance",
            "叫了120，救护车进不来小区",
            "想问封控期间怎么开就医证明",
        ),
    ];
    let mut wrong = Vec::new();
    for (complaint, critical, milder) in cases {
        if rules(critical) != Urgency::Critical {
            wrong.push(format!(
                "{complaint}: '{critical}' is {:?}",
                rules(critical)
            ));
        }
        if rules(milder) == Urgency::Critical {
            wrong.push(format!("{complaint}: the milder '{milder}' is critical"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A denied sign is not a sign; past history is not a sign now; a hedged one still is.
#[test]
fn negations_and_history_deny_a_danger_sign_and_hedges_do_not() {
    for t in [
        "胸口不疼了，早没事了，想续点药",
        "我爸以前心梗过，现在挺好的，想问代买药",
        "不是想自杀那种，就是心情不好",
        "没有不想活，就是太难受想找人说说",
        "孕妇没见红，也没肚子疼，想去做产检",
        "老人没有昏迷，就是有点累",
        "热水器打不着火，洗不了澡",
        "楼道堆了纸箱，我怕起火",
    ] {
        assert_ne!(rules(t), Urgency::Critical, "{t}");
    }
    // Look-alikes: hyperbole, things rather than people, animals, worries.
    for t in [
        "救命啊又要做核酸，这周第五次了",
        "快递里是我爸的救命药，卡在门口两天了",
        "门口的快递找不到了",
        "核酸码找不到了，明早怎么排队",
        "助听器没电了，那种纽扣电池谁家有多的",
        "我的老花镜腿断了，看不了字",
        "家里煤气罐没气了，做不了饭",
        "我家猫难产，要找宠物医生",
        "我舅舅有轻度智力障碍，从来没走丢过，想请社区每周去看一次",
        "物业把消防通道堵了，万一着火怎么办",
    ] {
        assert_ne!(rules(t), Urgency::Critical, "{t}");
    }
    for t in [
        "羊水好像破了，裤子湿了一片",
        "是不是羊水破了",
        "血止不住",
        "不停抽搐",
        "叫了没反应",
        // A condition, then the sign in the next clause.
        "肺癌化疗后第7天，发热38.9℃伴寒战",
        "我爸老年痴呆，凌晨自己开门出去了",
        "我三天没吃东西了，水也没咋喝，起不来",
        // Lockdown words are not denials: "出不去" is no "不".
        "封控出不去要生了",
        "我妈找不到了，早上下楼就没回",
        "孩子误吞了纽扣电池",
        "阿拉姆妈困了一天一夜了，哪能叫都叫勿醒",
        "我老公喺厨房整电线俾电亲，成个人瘫咗喺度",
        "肚子剧烈疼痛，疼得受不了",
    ] {
        assert_eq!(rules(t), Urgency::Critical, "{t}");
    }
}

/// Empty, huge, binary and mixed-script input gets an answer, never a panic.
#[test]
fn any_input_gets_an_answer() {
    let t = Triage::builtin();
    let huge = "胸口剧烈疼痛。".repeat((1 << 20) / 21);
    let a = t.analyze(&huge);
    assert_eq!(a.urgency, Urgency::Critical);
    assert!(a.reasons.iter().any(|r| r.value == "truncated"));
    let binary: String = (0u8..=255).map(char::from).cycle().take(10_000).collect();
    let _ = t.analyze(&binary);
    let _ = t.analyze("");
    let _ = t.analyze("\u{0}\u{FFFD}\u{FEFF}");
    let mixed = t.analyze("My grandma ба́бушка 奶奶 昏迷了 🆘 مساعدة 3-2-501");
    assert_eq!(mixed.urgency, Urgency::Critical);
    assert!(super::check_input("").is_err());
    assert!(super::check_input("\u{0}\u{1}").is_err());
}

/// A relative in Hong Kong types traditional characters; a foreign resident writes English.
/// Both reach the danger signs; the model, which learned Chinese only, stays out of English.
#[test]
fn traditional_characters_and_english_are_read() {
    let t = Triage::builtin();
    let hk = t.analyze_with("媽媽暈倒了，叫不醒，和平里3號樓2單元501", &demo_compounds());
    assert_eq!(hk.urgency, Urgency::Critical, "{:#?}", hk.reasons);
    assert_eq!(hk.address.building.as_deref(), Some("3"));
    assert_eq!(hk.address.room.as_deref(), Some("501"));
    for text in [
        "My wife is in labor, her water broke",
        "Please help, my father has chest pain and cannot breathe",
        "My neighbour passed out and is not responding",
        "After chemo my mother has a high fever and chills",
    ] {
        let a = t.analyze(text);
        assert_eq!(a.urgency, Urgency::Critical, "{text}: {:#?}", a.reasons);
        assert_eq!(a.category.as_str(), "medical", "{text}");
        assert!(
            a.reasons
                .iter()
                .any(|r| r.field == "model" && r.value == "skipped"),
            "{text}: the model judged English"
        );
    }
    let pet = t.analyze("I need to buy cat food for my cat");
    assert_eq!(pet.category.as_str(), "pet");
    assert_ne!(pet.urgency, Urgency::Critical);
    // Mostly Chinese with an English word or two: the model still reads it.
    let mixed = t.analyze("我老婆 pregnant 了，肚子一阵一阵疼");
    assert!(mixed.reasons.iter().all(|r| r.value != "skipped"));
}

#[test]
fn a_supposition_is_no_danger_sign_until_it_comes_back_to_now() {
    for t in [
        "先问一下，万一哪天晚上我爸不舒服，我们是直接打120还是先找社区？",
        "我女儿预产期下周，想提前问一下到时候叫救护车从哪个门进",
    ] {
        assert_ne!(a(t).urgency, Urgency::Critical, "{t}: {:#?}", a(t).reasons);
    }
    for t in [
        "万一他出事怎么办，现在已经叫不醒了",
        "如果再不来救护车我爸就不行了，他胸口剧烈疼痛",
    ] {
        expect_level(t, Urgency::Critical);
    }
}

#[test]
fn a_pets_emergency_is_urgent_and_a_persons_beside_a_pet_is_critical() {
    let cat = a("我的猫今天突然不吃不喝 一直吐 蹲猫砂盆尿不出来 宠物医院能去吗");
    assert_eq!(
        (cat.category.as_str(), cat.urgency),
        ("pet", Urgency::Urgent),
        "{:#?}",
        cat.reasons
    );
    expect_level("我去喂邻居的猫，发现邻居倒在地上叫不醒", Urgency::Critical);
}

#[test]
fn toneless_pinyin_and_english_danger_signs() {
    for t in [
        "wo ba ba die dao le, tou po le liu le hen duo xue, xian zai jiao ta mei you fan ying",
        "ta zai yang tai shang, shuo yao tiao xia qu",
        "wo ye ye hen duo tian mei chi mei he le",
        "My father has dementia and he's gone. He walked out when the gate was opened.",
        "Help, my friend took too many sleeping pills, she is not answering properly",
        "Please, my mother-in-law is vomiting blood, a lot",
        "There is smoke coming out of the apartment next to mine",
    ] {
        expect_level(t, Urgency::Critical);
    }
}

#[test]
fn form_fields_and_things_are_not_danger_signs() {
    for t in [
        "【求助】诉求：家里有人要定期去医院化疗，进出小区要什么证明 紧急程度：一般",
        "燃气表没气了，网上充值一直失败，从昨天做不了饭",
        "救命啊又要做核酸，喉咙都快被捅穿了",
        "楼道里堆了好多纸箱，容易着火，物业也不管",
    ] {
        assert_ne!(a(t).urgency, Urgency::Critical, "{t}: {:#?}", a(t).reasons);
    }
}
