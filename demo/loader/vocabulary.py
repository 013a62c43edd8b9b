"""Word lists for generated demo values: people, organisations and research topics.

None of these combinations names a real person, company or project; every
generated name is also prefixed with 「（デモ）」 where it is used.
"""

from __future__ import annotations

import random

from demo.loader.base import demo

SURNAMES = (
    ("佐藤", "Sato"),
    ("鈴木", "Suzuki"),
    ("高橋", "Takahashi"),
    ("田中", "Tanaka"),
    ("伊藤", "Ito"),
    ("渡辺", "Watanabe"),
    ("山本", "Yamamoto"),
    ("中村", "Nakamura"),
    ("小林", "Kobayashi"),
    ("加藤", "Kato"),
    ("吉田", "Yoshida"),
    ("山田", "Yamada"),
    ("佐々木", "Sasaki"),
    ("山口", "Yamaguchi"),
    ("松本", "Matsumoto"),
    ("井上", "Inoue"),
    ("木村", "Kimura"),
    ("清水", "Shimizu"),
    ("山崎", "Yamazaki"),
    ("池田", "Ikeda"),
    ("橋本", "Hashimoto"),
    ("阿部", "Abe"),
    ("石井", "Ishii"),
    ("小川", "Ogawa"),
    ("前田", "Maeda"),
    ("岡田", "Okada"),
    ("長谷川", "Hasegawa"),
    ("藤田", "Fujita"),
    ("近藤", "Kondo"),
    ("村上", "Murakami"),
)

GIVEN_NAMES = (
    ("健一", "Kenichi"),
    ("誠", "Makoto"),
    ("浩", "Hiroshi"),
    ("隆", "Takashi"),
    ("修", "Osamu"),
    ("明美", "Akemi"),
    ("裕子", "Yuko"),
    ("直樹", "Naoki"),
    ("大輔", "Daisuke"),
    ("智子", "Tomoko"),
    ("洋子", "Yoko"),
    ("和也", "Kazuya"),
    ("昌弘", "Masahiro"),
    ("秀樹", "Hideki"),
    ("由美", "Yumi"),
    ("博之", "Hiroyuki"),
    ("恵", "Megumi"),
    ("聡", "Satoshi"),
    ("美穂", "Miho"),
    ("徹", "Toru"),
)


def person(rng: random.Random) -> tuple[str, str]:
    """A generated person's name in Japanese (marked 「（デモ）」) and in romaji."""
    surname, surname_en = rng.choice(SURNAMES)
    given, given_en = rng.choice(GIVEN_NAMES)
    return demo(f"{surname} {given}"), f"{given_en} {surname_en} (demo)"


UNIVERSITY_WORDS = (
    ("先端技術", "Advanced Technology"),
    ("未来創成", "Future Creation"),
    ("総合科学技術", "Science and Technology"),
    ("医療創生", "Medical Innovation"),
)

COMPANY_STEMS = (
    ("北辰", "Hokushin"),
    ("東光", "Toko"),
    ("三栄", "San-ei"),
    ("明和", "Meiwa"),
    ("新星", "Shinsei"),
    ("光洋", "Koyo"),
    ("青葉", "Aoba"),
    ("白鳳", "Hakuho"),
    ("日進", "Nisshin"),
    ("若葉", "Wakaba"),
    ("大和", "Yamato"),
    ("旭陽", "Kyokuyo"),
)

COMPANY_WORDS = (
    ("精密", "Precision"),
    ("電子", "Electronics"),
    ("光学", "Optics"),
    ("化学", "Chemical"),
    ("バイオ", "Bio"),
    ("システム", "Systems"),
    ("製薬", "Pharma"),
    ("医療機器", "Medical Devices"),
    ("マテリアル", "Materials"),
    ("計測", "Instruments"),
    ("ソフトウェア", "Software"),
    ("機械", "Machinery"),
)

# Research fields: the label shown as a project's theme (分野), the keywords that
# select the field from a cluster's name, and topics (Japanese, English).
FIELDS = {
    "optics": (
        "光技術",
        ("オプト", "光"),
        (
            ("高感度イメージセンサ", "high-sensitivity image sensors"),
            ("テラヘルツ波計測", "terahertz measurement"),
            ("高出力半導体レーザー加工", "high-power semiconductor laser processing"),
            ("光バイオイメージング", "optical bio-imaging"),
            ("超短パルスレーザー微細加工", "ultrafast laser micromachining"),
            ("光通信用デバイス", "optical communication devices"),
            ("医療用光診断装置", "optical diagnostic equipment"),
            ("赤外線センシング", "infrared sensing"),
            ("高効率LED照明", "high-efficiency LED lighting"),
            ("X線イメージング", "X-ray imaging"),
        ),
    ),
    "life": (
        "ライフサイエンス",
        ("バイオ", "医", "健康", "プロテオ", "メディカル", "ライフ", "予防"),
        (
            ("生活習慣病の早期診断マーカー", "early diagnostic markers for lifestyle diseases"),
            ("機能性食品素材", "functional food ingredients"),
            ("再生医療用の細胞培養技術", "cell culture for regenerative medicine"),
            ("創薬スクリーニング基盤", "drug screening platform"),
            ("糖尿病の予防・治療技術", "diabetes prevention and therapy"),
            ("プロテオミクス解析技術", "proteomics analysis"),
            ("医療用バイオマテリアル", "medical biomaterials"),
            ("遺伝子診断チップ", "gene diagnosis chips"),
            ("天然物由来の医薬品候補", "drug candidates from natural products"),
            ("健康機能評価システム", "health function assessment system"),
        ),
    ),
    "ict": (
        "情報通信",
        ("IT", "LSI", "情報", "デバイス", "スマート"),
        (
            ("組込み機器向け低消費電力LSI", "low-power LSI for embedded devices"),
            ("画像認識ソフトウェア", "image recognition software"),
            ("無線センサネットワーク", "wireless sensor networks"),
            ("車載用半導体", "automotive semiconductors"),
            ("LSI設計検証ツール", "LSI design verification tools"),
            ("次世代ディスプレイデバイス", "next-generation display devices"),
            ("MEMSスマートデバイス", "MEMS smart devices"),
            ("情報セキュリティ技術", "information security"),
            ("デザインとITを融合したものづくり", "manufacturing that fuses design and IT"),
            ("医療情報システム", "medical information systems"),
        ),
    ),
    "sensing": (
        "センシング",
        ("センシング", "センサ"),
        (
            ("高感度ガスセンサ", "high-sensitivity gas sensors"),
            ("非破壊検査センサ", "non-destructive inspection sensors"),
            ("食品品質のセンシング", "food quality sensing"),
            ("生体信号センサ", "biosignal sensors"),
            ("環境モニタリングシステム", "environmental monitoring systems"),
            ("超音波計測技術", "ultrasonic measurement"),
        ),
    ),
    "nano": (
        "ナノテクノロジー・材料",
        ("ナノ", "材料", "部材", "ものづくり"),
        (
            ("カーボンナノチューブ複合材料", "carbon nanotube composites"),
            ("ナノ粒子の合成と応用", "synthesis and use of nanoparticles"),
            ("高機能セラミックス", "high-performance ceramics"),
            ("軽量高強度金属材料", "light, high-strength metals"),
            ("ナノインプリント加工", "nanoimprint processing"),
            ("機能性薄膜コーティング", "functional thin-film coatings"),
            ("環境浄化用光触媒", "photocatalysts for environmental cleanup"),
            ("次世代電池材料", "next-generation battery materials"),
            ("精密成形加工", "precision moulding"),
            ("表面処理技術", "surface treatment"),
        ),
    ),
    "marine": (
        "海洋バイオ",
        ("マリン", "海洋"),
        (
            ("海洋生物由来の機能性素材", "functional materials from marine organisms"),
            ("水産資源の高度利用", "advanced use of fishery resources"),
            ("海藻多糖類の医薬応用", "medical use of seaweed polysaccharides"),
            ("沿岸養殖の高度化技術", "advanced coastal aquaculture"),
            ("海洋環境計測", "marine environment measurement"),
        ),
    ),
    "robot": (
        "医療機器・ロボット",
        ("ロボ",),
        (
            ("手術支援ロボット", "surgical assistance robots"),
            ("医用画像処理", "medical image processing"),
            ("リハビリテーション支援機器", "rehabilitation support devices"),
            ("低侵襲治療デバイス", "minimally invasive therapy devices"),
            ("医療用トレーニングシミュレータ", "medical training simulators"),
        ),
    ),
    "green": (
        "環境",
        ("グリーン", "環境"),
        (
            ("省エネルギー部材", "energy-saving components"),
            ("太陽電池用材料", "solar cell materials"),
            ("廃棄物の資源化技術", "turning waste into resources"),
            ("低環境負荷の化学プロセス", "low-impact chemical processes"),
            ("高効率蓄電デバイス", "high-efficiency energy storage devices"),
        ),
    ),
}

DEFAULT_FIELDS = ("life", "ict", "nano")

TITLE_SUFFIXES = (
    ("の開発", "Development of {}"),
    ("に関する研究", "Research on {}"),
    ("の実用化研究", "Towards practical {}"),
    ("の基盤技術開発", "Core technology for {}"),
)

MILESTONE_STAGES = ("試作品の製作", "性能評価試験", "特許出願の準備", "企業での実証試験", "論文の投稿", "量産化の検討")


def fields_for(text: str) -> tuple[str, ...]:
    """The research fields whose keywords occur in a cluster's name and theme."""
    found = tuple(code for code, (_label, keywords, _topics) in FIELDS.items() if any(k in text for k in keywords))
    return found or DEFAULT_FIELDS


def topics_for(field_codes: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(field label, topic, topic in English) for the given fields, in a fixed order."""
    return [(FIELDS[code][0], topic, topic_en) for code in field_codes for topic, topic_en in FIELDS[code][2]]
