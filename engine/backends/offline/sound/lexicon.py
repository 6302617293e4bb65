"""Words that pick a procedural sound recipe and its parameters, English and Chinese.

Data only; the matching rules live in `matching.py` (`match_recipes`). Conventions:
- Each entry is (keyword, weight). A specific word ("downpour", "暴雨") weighs 2, a generic one ("rain", "雨") 1,
  a word that only hints at a sound ("storm" for wind) less than 1. A category's score is the sum of the weights of
  its keywords found in the caption, so "heavy rain with thunder" scores rain_heavy and thunder both.
- English keywords match whole words, with the usual inflections (knock → knocks/knocking/knocked, drip →
  dripping, whistle → whistling), so list only the base form. Chinese keywords match as substrings, so prefer
  two-character words to single characters that occur inside unrelated words.
"""

from __future__ import annotations


def _w(weight: float, *words: str) -> list[tuple[str, float]]:
    return [(w, weight) for w in words]


CATEGORY_WORDS: dict[str, list[tuple[str, float]]] = {
    "rain_light": [
        *_w(2, "light rain", "drizzle", "gentle rain", "soft rain", "rain patter", "pitter-patter", "sprinkle",
            "rain on leaves", "misty rain", "showers", "小雨", "细雨", "毛毛雨", "绵绵细雨", "淅淅沥沥", "微雨", "春雨"),
        *_w(1, "rain", "rainy", "raindrop", "rainfall", "下雨", "雨声", "雨滴", "雨点", "雨水", "雨天", "雨中", "雨夜", "雨"),
    ],
    "rain_heavy": [
        *_w(2, "heavy rain", "downpour", "pouring rain", "torrential", "rainstorm", "cloudburst", "deluge",
            "monsoon", "lashing rain", "thunderstorm", "pouring", "暴雨", "大雨", "倾盆", "雷雨", "瓢泼", "大暴雨",
            "狂风暴雨", "雨很大"),
        *_w(0.9, "rain", "rainy", "rainfall", "下雨", "雨声", "雨水", "雨夜", "雨"),
        *_w(1, "storm", "暴风雨"),
    ],
    "thunder": [
        *_w(2, "thunder", "thunderclap", "thunderstorm", "lightning", "rumble of thunder", "thunderbolt",
            "雷声", "打雷", "雷鸣", "雷雨", "闪电", "惊雷", "雷电", "闷雷", "响雷"),
        *_w(1, "轰隆"),
        *_w(1, "storm", "暴风雨"),
    ],
    "wind": [
        *_w(2, "wind", "windy", "breeze", "gust", "gale", "howling wind", "wind howling", "wind howls", "blustery",
            "draft", "draught",
            "blizzard", "whistling wind", "风声", "刮风", "大风", "微风", "狂风", "寒风", "呼啸", "风吹", "北风",
            "暴风雪", "风雪", "阵风", "海风", "山风"),
        *_w(1, "storm", "stormy", "暴风", "风暴", "暴风雨"),
    ],
    "ocean": [
        *_w(2, "ocean", "waves", "surf", "sea", "shore", "beach", "seashore", "breakers", "tide", "coast",
            "海浪", "海边", "大海", "海水", "波浪", "浪花", "海滩", "潮水", "海岸", "涛声", "浪涛", "海潮"),
        *_w(1, "wave", "harbor", "harbour", "port", "海", "港口", "渔村"),
    ],
    "stream": [
        *_w(2, "stream", "river", "brook", "creek", "babbling", "flowing water", "running water", "waterfall",
            "rapids", "fountain", "溪", "小溪", "河流", "河水", "流水", "溪流", "泉水", "瀑布", "潺潺", "江水", "水流"),
        *_w(1, "water", "flowing", "trickle", "水声", "流动"),
    ],
    "fire": [
        *_w(2, "fire", "fireplace", "campfire", "bonfire", "crackling", "crackle", "flames", "hearth", "burning",
            "embers", "torch", "篝火", "壁炉", "炉火", "火焰", "燃烧", "火堆", "噼啪", "柴火", "火把"),
        *_w(1, "blaze", "wood stove", "stove", "火"),
    ],
    "footsteps": [
        *_w(2, "footstep", "footsteps", "footfall", "steps", "walking", "walk", "running", "stomp", "tiptoe",
            "treading", "pacing", "marching", "脚步", "脚步声", "走路", "行走", "走来", "走过", "跑步", "奔跑",
            "踱步", "踩", "步伐", "走动"),
        *_w(1, "walks", "run", "runs", "stairs", "跑"),
    ],
    "door_knock": [
        *_w(2, "knock", "knocking", "knock on the door", "rap on the door", "pounding on the door", "敲门",
            "敲门声", "叩门", "砰砰敲", "敲了敲"),
        *_w(1, "tap on the door", "bang on the door", "敲"),
    ],
    "door_creak": [
        *_w(2, "creaking door", "door creaks", "squeaky door", "door opens", "hinge", "吱呀",
            "开门", "门开", "推开门", "门轴"),
        *_w(1, "creak", "creaky", "squeak", "嘎吱", "吱嘎"),
        *_w(0.8, "door", "gate", "门"),
    ],
    "door_slam": [
        *_w(2, "slam", "door slams", "slammed", "door shut", "door closes", "door closing", "关门", "摔门",
            "砰的一声关", "门被关上", "重重关上"),
        *_w(0.7, "door", "门"),
    ],
    "clock": [
        *_w(2, "clock", "tick", "ticking", "tick-tock", "tock", "grandfather clock", "pocket watch", "stopwatch",
            "钟表", "滴答", "时钟", "挂钟", "座钟", "怀表", "嘀嗒", "钟摆"),
        *_w(1, "wristwatch", "timer", "pendulum"),
    ],
    "church_bell": [
        *_w(2, "church bell", "bell tower", "tolling", "toll", "chime of bells", "cathedral bell", "temple bell",
            "big bell", "bells ringing", "church bells", "carillon", "钟声", "教堂钟", "寺庙钟", "钟楼", "大钟",
            "敲钟", "晨钟", "暮鼓晨钟", "丧钟"),
        *_w(1, "bell", "bells", "gong", "钟"),
    ],
    "small_bell": [
        *_w(2, "small bell", "hand bell", "handbell", "shop bell", "doorbell", "bicycle bell", "sleigh bell",
            "tinkle", "jingle", "service bell", "desk bell", "铃铛", "铃声", "小铃", "风铃声", "门铃", "铃"),
        *_w(0.9, "bell", "ding", "ring"),
    ],
    "birdsong": [
        *_w(2, "bird", "birds", "birdsong", "chirping", "tweet", "songbird", "dawn chorus", "warble", "sparrow",
            "robin", "blackbird", "nightingale", "lark", "鸟", "鸟叫", "鸟鸣", "鸟儿", "小鸟", "啁啾", "叽叽喳喳",
            "麻雀", "百灵", "夜莺", "鸟语"),
        *_w(1, "chirp"),
        *_w(0.6, "forest", "morning", "dawn", "森林", "树林", "清晨", "早晨"),
    ],
    "crickets": [
        *_w(2, "cricket", "crickets", "cicada", "insects", "night insects", "katydid", "grasshopper", "蟋蟀",
            "蝉", "虫鸣", "虫叫", "知了", "蛐蛐", "昆虫"),
        *_w(1, "summer night", "夏夜"),
        *_w(0.6, "night", "evening", "夜晚", "深夜", "夜里"),
    ],
    "dog_bark": [
        *_w(2, "dog", "bark", "barking", "woof", "puppy", "hound", "yelp", "狗", "狗叫", "犬吠", "汪汪", "小狗",
            "吠", "狗吠"),
        *_w(1, "dogs", "growl"),
    ],
    "crowd": [
        *_w(2, "crowd", "murmur", "chatter", "people talking", "babble", "conversation", "party",
            "market", "marketplace", "bustling", "人群", "人声", "嘈杂", "喧闹", "交谈", "聊天", "集市", "市场",
            "熙熙攘攘", "人声鼎沸", "议论"),
        *_w(1, "people", "voices", "gathering", "tavern", "pub", "bar", "restaurant", "人们", "酒馆", "宴会"),
    ],
    "applause": [
        *_w(2, "applause", "clapping", "clap", "ovation", "cheering", "掌声", "鼓掌", "拍手", "喝彩", "欢呼"),
        *_w(1, "audience", "观众"),
    ],
    "car_engine": [
        *_w(2, "engine", "idling", "motor", "revving", "rev", "truck", "bus", "tractor", "发动机", "引擎",
            "马达", "卡车", "汽车发动", "怠速", "轰油门"),
        *_w(0.9, "car", "vehicle", "van", "汽车", "车"),
    ],
    "car_pass": [
        *_w(2, "car passing", "car passes", "passing car", "drive by", "drives by", "drive past", "pass by",
            "passes by", "speeding car", "zooms past", "车驶过", "汽车驶过", "呼啸而过", "开过", "驶过", "飞驰"),
        *_w(1, "car", "vehicle", "automobile", "汽车", "轿车"),
    ],
    "siren": [
        *_w(2, "siren", "ambulance", "police car", "fire engine", "fire truck", "alarm siren", "air raid",
            "警笛", "警报", "救护车", "警车", "消防车", "鸣笛"),
        *_w(1, "alarm", "emergency", "警报声"),
    ],
    "train": [
        *_w(2, "train", "railway", "railroad", "locomotive", "subway", "tram", "carriage on rails",
            "clickety-clack", "metro", "火车", "列车", "铁路", "地铁", "轨道", "高铁", "火车站", "车厢"),
        *_w(1, "rails", "station", "车站"),
    ],
    "typing": [
        *_w(2, "typing", "keyboard", "typewriter", "keystrokes", "打字", "键盘", "敲键盘", "打字机"),
        *_w(1, "computer", "office", "电脑", "办公室"),
    ],
    "water_drip": [
        *_w(2, "drip", "dripping", "drips", "droplet", "leaking", "leaky", "faucet", "tap dripping",
            "滴水", "水滴", "滴答的水", "漏水", "水龙头", "滴落"),
        *_w(1, "drop", "drops"),
        *_w(0.6, "cave", "洞穴", "山洞"),
    ],
    "explosion": [
        *_w(2, "explosion", "explode", "blast", "detonation", "bomb", "boom", "grenade", "cannon", "artillery",
            "explodes", "爆炸", "炸弹", "轰炸", "爆破", "炮声", "大炮", "炮火", "轰的一声", "巨响"),
        *_w(1, "burst", "kaboom"),
    ],
    "whoosh": [
        *_w(2, "whoosh", "swoosh", "swish", "woosh", "swoop", "rushes past", "flies past", "swing", "嗖",
            "呼的一声", "嗖的一声", "掠过", "挥舞", "一闪而过"),
        *_w(1, "transition", "fly by", "flyby", "arrow", "转场", "箭"),
    ],
    "glass_break": [
        *_w(2, "glass break", "glass breaking", "shatter", "shattering", "smash", "broken glass", "window breaks",
            "breaking glass", "玻璃碎", "打碎", "碎裂", "玻璃破碎", "摔碎", "碎了", "砸碎"),
        *_w(1, "glass", "window", "玻璃", "窗户"),
    ],
    "phone_ring": [
        *_w(2, "phone", "telephone", "ringing phone", "phone rings", "ringtone", "电话", "电话铃", "手机铃声",
            "来电", "电话响"),
        *_w(1, "ringing", "ring", "响铃"),
    ],
    "heartbeat": [
        *_w(2, "heartbeat", "heart beat", "heart pounding", "pulse", "heart beating", "心跳", "心脏", "心跳声",
            "怦怦", "扑通"),
        *_w(1, "heart", "nervous", "tension", "紧张"),
    ],
    "horse_hooves": [
        *_w(2, "horse", "hooves", "hoofbeats", "gallop", "galloping", "trot", "trotting", "canter", "cavalry",
            "clip-clop", "horseback", "马", "马蹄", "马蹄声", "奔马", "骑马", "策马", "马车"),
        *_w(1, "rider", "riders", "carriage", "pony", "骑兵"),
    ],
    "sword_clash": [
        *_w(2, "sword", "swords", "blade", "clash", "sword fight", "duel", "fencing", "clang", "steel clash",
            "parry", "剑", "刀剑", "交锋", "击剑", "兵器", "刀光剑影", "拔剑", "比武", "格斗"),
        *_w(1, "fight", "battle", "knife", "metal", "战斗", "打斗", "刀"),
    ],
    "room_tone": [
        *_w(2, "room tone", "silence", "quiet room", "ambience", "ambient", "hum", "air conditioning", "hvac",
            "empty room", "安静", "寂静", "房间", "室内", "空调", "嗡嗡声", "静谧"),
        *_w(1, "room", "indoors", "屋里", "屋内"),
        *_w(0.6, "quiet"),
    ],
    "cafe": [
        *_w(2, "cafe", "café", "coffee shop", "coffeehouse", "restaurant", "diner", "teahouse", "canteen",
            "咖啡馆", "咖啡店", "餐厅", "茶馆", "饭馆", "食堂", "餐馆"),
        *_w(1, "coffee", "cups", "cutlery", "dishes", "tavern", "inn", "咖啡", "客栈", "酒馆"),
    ],
    "city_street": [
        *_w(2, "city", "street", "traffic", "downtown", "urban", "busy road", "intersection", "avenue",
            "城市", "街道", "街头", "马路", "交通", "车流", "闹市", "都市", "十字路口", "大街"),
        *_w(1, "road", "cars", "horn", "sidewalk", "town", "街", "路口", "车辆"),
    ],
    "boat_creak": [
        *_w(2, "boat", "ship", "hull", "deck", "sailboat", "rowing", "rigging", "mast", "dock", "pier", "wooden boat",
            "船", "渔船", "小船", "木船", "甲板", "船舱", "码头", "划船", "帆船", "船桨"),
        *_w(1, "sail", "sailing", "vessel", "fisherman", "creak", "creaky", "渔夫", "航行", "嘎吱", "吱嘎"),
    ],
    "seagulls": [
        *_w(2, "seagull", "seagulls", "gull", "gulls", "seabird", "海鸥", "海鸟"),
        *_w(1, "harbor", "harbour", "seaside", "港口", "海边"),
    ],
    "owl": [
        *_w(2, "owl", "hoot", "hooting", "猫头鹰", "鸮", "夜枭"),
        *_w(1, "night forest", "夜林"),
    ],
    "gunshot": [
        *_w(2, "gunshot", "gunfire", "gun", "shot", "shots", "rifle", "pistol", "revolver", "musket", "shooting",
            "枪声", "开枪", "枪", "射击", "枪响", "步枪", "手枪"),
        *_w(1, "bang", "fire a shot", "砰"),
    ],
    "wolf_howl": [
        *_w(2, "wolf", "wolves", "howl", "howling", "coyote", "狼", "狼嚎", "嚎叫", "狼叫"),
    ],
    "page_turn": [
        *_w(2, "page", "pages", "page turn", "turning pages", "paper rustle", "rustling paper", "book", "letter",
            "newspaper", "翻书", "翻页", "纸张", "书页", "报纸", "信纸", "沙沙的纸"),
        *_w(1, "paper", "rustle", "rustling", "纸", "书"),
    ],
    "wind_chimes": [
        *_w(2, "wind chime", "wind chimes", "chimes", "windchime", "风铃", "风铃声"),
        *_w(1, "chime", "tinkling", "叮当"),
    ],
    "breathing": [
        *_w(2, "breathing", "breath", "breathe", "panting", "gasping", "sigh", "heavy breathing", "exhale",
            "inhale", "呼吸", "喘气", "喘息", "叹气", "气喘吁吁", "深呼吸"),
        *_w(1, "pant", "gasp", "snore", "喘"),
    ],
    "helicopter": [
        *_w(2, "helicopter", "chopper", "rotor", "rotor blades", "直升机", "直升飞机", "螺旋桨"),
        *_w(1, "aircraft", "飞机"),
    ],
}

# Families of recipes that describe the same source at different strengths: only the best one of a family plays.
EXCLUSIVE_GROUPS: tuple[tuple[str, ...], ...] = (
    ("rain_light", "rain_heavy"),
    ("car_engine", "car_pass"),
    ("crowd", "cafe"),
    ("door_creak", "door_slam", "boat_creak"),
    ("church_bell", "small_bell", "wind_chimes"),
    ("clock", "water_drip"),  # "tick"/"drip"-like words; one repeating tick is enough
)

# Families ordered light → heavy: when the caption does not say which member (their scores are within
# FAMILY_TIE of each other), the resolved intensity picks it, so "the rain is heavy" gets heavy rain.
INTENSITY_FAMILIES: tuple[tuple[str, ...], ...] = (("rain_light", "rain_heavy"),)
FAMILY_TIE = 0.25

# intensity 0..1: what a caption word says about how strong the sound is
INTENSITY_WORDS: list[tuple[str, float]] = [
    *_w(0.1, "barely audible", "very faint", "very soft", "very quiet", "极轻", "隐约", "若有若无", "几乎听不见"),
    *_w(0.25, "light", "gentle", "soft", "faint", "quiet", "slight", "subtle", "calm", "weak", "soothing",
        "mild", "轻轻", "轻柔", "轻微", "微弱", "细细", "柔和", "小声", "低沉", "缓缓", "轻声", "静静", "淡淡", "微微"),
    *_w(0.5, "moderate", "steady", "medium", "normal", "regular", "trotting", "trot", "中等", "平稳", "持续",
        "running water", "running engine"),  # "running" there says nothing about strength
    *_w(0.3, "walking", "strolling", "ambling", "slow", "slowly", "缓慢", "慢慢", "散步"),
    *_w(0.85, "running", "galloping", "gallop", "racing", "rushing", "hurried", "奔跑", "飞奔", "疾驰", "狂奔"),
    *_w(0.8, "heavy", "loud", "strong", "intense", "fierce", "pounding", "roaring", "powerful", "wild",
        "angry", "frantic", "rapid", "fast", "urgent", "busy", "raging", "torrential", "pouring",
        "猛烈", "强烈", "剧烈", "响亮", "急促", "用力", "疯狂", "很大", "很响", "汹涌", "滂沱", "凶猛", "激烈",
        "狂风", "暴雨", "大雨", "倾盆", "瓢泼", "重重"),
    *_w(0.95, "deafening", "violent", "thunderous", "massive", "huge", "enormous", "ferocious", "furious",
        "震耳", "震耳欲聋", "巨大", "惊天动地", "猛然"),
]

DISTANCE_WORDS: list[tuple[str, str]] = [
    ("up close", "close"), ("close-up", "close"), ("close up", "close"), ("right next to", "close"),
    ("close", "close"), ("intimate", "close"), ("in your ear", "close"), ("nearby", "near"), ("near", "near"),
    ("next to", "near"), ("beside", "near"), ("across the room", "medium"), ("down the hall", "medium"),
    ("outside the window", "medium"), ("some distance", "medium"), ("next room", "far"),
    ("through the wall", "far"), ("muffled", "far"), ("far away", "far"), ("far off", "far"),
    ("faraway", "far"), ("in the distance", "far"), ("distance", "far"), ("far", "far"),
    ("distant", "distant"), ("very far", "distant"), ("far in the distance", "distant"),
    ("on the horizon", "distant"), ("remote", "distant"),
    ("耳边", "close"), ("身边", "close"), ("眼前", "close"), ("近处", "near"), ("附近", "near"), ("旁边", "near"),
    ("不远处", "medium"), ("窗外", "medium"), ("门外", "medium"), ("隔壁", "far"), ("远处", "far"),
    ("远方", "far"), ("远远", "far"), ("遥远", "distant"), ("很远", "distant"), ("天边", "distant"),
    ("闷闷的", "far"),
]

# environment word → preset name understood by dsp/space.py
ENVIRONMENT_WORDS: list[tuple[str, str]] = [
    ("underwater", "underwater"), ("under water", "underwater"), ("水下", "underwater"), ("水底", "underwater"),
    ("cave", "cave"), ("cavern", "cave"), ("tunnel", "cave"), ("dungeon", "cave"), ("mine", "cave"),
    ("well", "cave"), ("sewer", "cave"), ("山洞", "cave"), ("洞穴", "cave"), ("洞里", "cave"), ("隧道", "cave"),
    ("地牢", "cave"), ("地窖", "cave"),
    ("cathedral", "hall"), ("church", "hall"), ("hall", "hall"), ("auditorium", "hall"), ("temple", "hall"),
    ("palace", "hall"), ("theater", "hall"), ("theatre", "hall"), ("stadium", "hall"), ("gym", "hall"),
    ("warehouse", "hall"), ("教堂", "hall"), ("大厅", "hall"), ("礼堂", "hall"), ("寺庙", "hall"), ("宫殿", "hall"),
    ("剧院", "hall"), ("仓库", "hall"),
    ("bathroom", "bathroom"), ("stairwell", "bathroom"), ("shower", "bathroom"), ("浴室", "bathroom"),
    ("卫生间", "bathroom"), ("楼梯间", "bathroom"),
    ("street", "street"), ("alley", "street"), ("city", "street"), ("town square", "street"), ("街", "street"),
    ("巷", "street"), ("城市", "street"),
    ("forest", "forest"), ("woods", "forest"), ("jungle", "forest"), ("森林", "forest"), ("树林", "forest"),
    ("林中", "forest"),
    ("indoor", "indoor"), ("indoors", "indoor"), ("inside", "indoor"), ("room", "indoor"), ("house", "indoor"),
    ("kitchen", "indoor"), ("bedroom", "indoor"), ("office", "indoor"), ("cabin", "indoor"), ("hallway", "indoor"),
    ("corridor", "indoor"), ("室内", "indoor"), ("屋里", "indoor"), ("房间", "indoor"), ("屋内", "indoor"),
    ("家里", "indoor"), ("厨房", "indoor"), ("卧室", "indoor"), ("办公室", "indoor"), ("走廊", "indoor"),
    ("小屋", "indoor"),
    ("outdoor", "outdoor"), ("outdoors", "outdoor"), ("outside", "outdoor"), ("open air", "outdoor"),
    ("field", "outdoor"), ("meadow", "outdoor"), ("mountain", "outdoor"), ("beach", "outdoor"), ("sea", "outdoor"),
    ("garden", "outdoor"), ("yard", "outdoor"), ("室外", "outdoor"), ("户外", "outdoor"), ("野外", "outdoor"),
    ("田野", "outdoor"), ("山上", "outdoor"), ("草原", "outdoor"), ("花园", "outdoor"), ("院子", "outdoor"),
]

# surface word → surface name used by footsteps and hooves
SURFACE_WORDS: list[tuple[str, str]] = [
    ("wooden", "wood"), ("wood", "wood"), ("floorboard", "wood"), ("planks", "wood"), ("parquet", "wood"),
    ("deck", "wood"), ("stairs", "wood"), ("bridge", "wood"), ("木地板", "wood"), ("木板", "wood"),
    ("地板", "wood"), ("楼梯", "wood"), ("木桥", "wood"), ("甲板", "wood"),
    ("gravel", "gravel"), ("pebble", "gravel"), ("shingle", "gravel"), ("sand", "gravel"), ("dirt road", "gravel"),
    ("碎石", "gravel"), ("砾石", "gravel"), ("石子", "gravel"), ("沙子", "gravel"), ("沙地", "gravel"),
    ("沙滩", "gravel"),
    ("snow", "snow"), ("snowy", "snow"), ("ice", "snow"), ("雪", "snow"), ("冰", "snow"),
    ("grass", "grass"), ("leaves", "grass"), ("lawn", "grass"), ("forest floor", "grass"), ("meadow", "grass"),
    ("mud", "grass"), ("dirt", "grass"), ("field", "grass"), ("草地", "grass"), ("草", "grass"),
    ("落叶", "grass"), ("树叶", "grass"), ("泥", "grass"), ("田野", "grass"), ("土路", "grass"),
    ("metal", "metal"), ("steel", "metal"), ("iron", "metal"), ("grate", "metal"), ("金属", "metal"),
    ("铁", "metal"), ("钢", "metal"),
    ("stone", "stone"), ("concrete", "stone"), ("marble", "stone"), ("tile", "stone"), ("cobble", "stone"),
    ("cobblestone", "stone"), ("pavement", "stone"), ("asphalt", "stone"), ("street", "stone"),
    ("corridor", "stone"), ("石板", "stone"), ("石头", "stone"), ("水泥", "stone"), ("大理石", "stone"),
    ("瓷砖", "stone"), ("石", "stone"), ("街道", "stone"), ("走廊", "stone"), ("台阶", "stone"),
]
