"""The vocabulary tables. Per value: English words, Chinese words (first = the display word for dropdowns) and,
where a bare word would read badly in a sentence, the phrase compose writes. Every phrase compose writes must
parse back to the same value; tests/test_instruct.py checks that for every value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Value:
    value: Any
    en: tuple[str, ...]
    zh: tuple[str, ...]
    say_en: str
    say_zh: str


def _v(value: Any, en: str, zh: str, say_en: str = "", say_zh: str = "") -> Value:
    en_words = tuple(w.strip() for w in en.split("|") if w.strip())
    zh_words = tuple(w.strip() for w in zh.split("|") if w.strip())
    return Value(value, en_words, zh_words, say_en or en_words[0], say_zh or zh_words[0])


@dataclass(frozen=True)
class _Compound:
    """A word that sets one field and implies another ("boy": male, and a child unless an age is given)."""

    en: tuple[str, ...]
    zh: tuple[str, ...]
    fields: dict
    implied: dict


def _c(en: str, zh: str, fields: dict, implied: dict) -> _Compound:
    return _Compound(tuple(w for w in en.split("|") if w), tuple(w for w in zh.split("|") if w), fields, implied)


_SPEECH: dict[str, tuple[Value, ...]] = {
    "gender": (
        _v("male", "man|male|men|males|gentleman|gentlemen|guy|masculine|father|dad|husband|son|mr|mister|sir",
           "男性|男|男人|男声|男士|男子|先生|父亲|爸爸|丈夫|儿子"),
        _v("female", "woman|female|women|females|lady|ladies|feminine|mother|mom|mum|wife|daughter|mrs|ms|miss|madam|"
           "madame",
           "女性|女|女人|女声|女士|女子|母亲|妈妈|妻子|太太|女儿"),
    ),
    "age": (
        _v("child", "child|children|kid|kids|little|toddler|childlike|childish|young child|small child",
           "孩子|小孩|儿童|孩童|童声|幼儿|小朋友|小孩子"),
        _v("young", "young|youthful|teenage|teenaged|teenager|teen|teens|younger|adolescent|young adult|twenties|"
           "in her twenties|in his twenties",
           "年轻|青年|青春|年少|二十多岁|二十来岁|十几岁|二十岁"),
        _v("adult", "adult|middle-aged|middle aged|mature|grown-up|in middle age|thirties|forties|fifties",
           "中年|成年|成熟|三十多岁|四十多岁|五十多岁|三十来岁|四十来岁|五十来岁"),
        _v("elderly", "elderly|old|aged|senior|older|ancient|aging|ageing|elder|grey-haired|gray-haired|white-haired|"
           "sixties|seventies|eighties|nineties|septuagenarian|octogenarian|pensioner|retiree|retired",
           "年迈|老年|年老|苍老|老迈|老人|老人家|上了年纪|老|年长|白发|六十多岁|七十多岁|八十多岁|九十多岁|花甲|古稀|耄耋"),
    ),
    "emotion": (
        _v("neutral", "neutral|neutrally|in a neutral tone|flat|flatly|monotone|emotionless|matter-of-fact|"
           "matter-of-factly|unemotional", "平淡|中性|不带感情|毫无感情|没有感情|面无表情",
           say_en="in a neutral tone", say_zh="平淡地"),
        _v("happy", "happy|happily|cheerful|cheerfully|joyful|joyfully|glad|gladly|delighted|merry|merrily|"
           "jolly|upbeat|joyous|laughing|laughs|smiling|smiles|smile|smiled|gleeful|gleefully",
           "开心|高兴|快乐|欢快|愉快|喜悦|兴高采烈|欢喜|笑着|笑眯眯|乐呵呵", say_en="happily", say_zh="开心地"),
        _v("sad", "sad|sadly|sorrowful|sorrowfully|sorrow|melancholy|melancholic|mournful|mournfully|gloomy|"
           "gloomily|unhappy|depressed|grieving|tearful|tearfully|heartbroken|sadness|crying|sobbing|grief",
           "悲伤|难过|伤心|忧伤|哀伤|悲痛|沮丧|伤感|哭着|哽咽", say_en="sadly", say_zh="悲伤地"),
        _v("angry", "angry|angrily|furious|furiously|annoyed|irritated|irritably|mad|enraged|irate|"
           "indignant|indignantly|in anger|grumpy|fierce|fiercely", "生气|愤怒|恼怒|气愤|暴躁|发火|恼火|很凶|凶狠|凶巴巴|凶凶", say_en="angrily", say_zh="生气地"),
        _v("fearful", "fearful|fearfully|afraid|scared|frightened|terrified|nervous|nervously|anxious|"
           "anxiously|in fear|fear|worried|worriedly|trembling|tremble|trembles|trembled|shaky|shakily",
           "害怕|恐惧|惊恐|胆怯|紧张|担心|着急|焦虑|颤抖|哆嗦",
           say_en="fearfully", say_zh="害怕地"),
        _v("surprised", "surprised|in surprise|astonished|amazed|shocked|in disbelief|surprisedly",
           "惊讶|吃惊|惊奇|震惊|诧异|惊喜", say_en="in surprise", say_zh="惊讶地"),
        _v("calm", "calm|calmly|peaceful|peacefully|relaxed|serene|serenely|composed|soothing|placid|"
           "tranquil|unruffled|wise|laid-back|easygoing|easy-going", "平静|冷静|镇定|沉着|淡定|从容|心平气和|沉稳|轻松", say_en="calmly", say_zh="平静地"),
        _v("excited", "excited|excitedly|enthusiastic|enthusiastically|eager|eagerly|thrilled|energetic|"
           "energetically|animated|lively|excitement", "兴奋|激动|热情|亢奋|雀跃", say_en="excitedly", say_zh="兴奋地"),
        _v("tender", "tender|tenderly|gentle|gently|warm|warmly|loving|lovingly|affectionate|affectionately|"
           "kind|kindly|soft-spoken|caring|sweetly", "温柔|柔和|亲切|深情|温暖|慈祥|和蔼",
           say_en="tenderly", say_zh="温柔地"),
        _v("tired", "tired|wearily|weary|exhausted|sleepy|sleepily|drowsy|fatigued|tiredly|bored",
           "疲惫|疲倦|困倦|累|有气无力|无精打采", say_en="wearily", say_zh="疲惫地"),
        _v("disgusted", "disgusted|in disgust|disgust|disgustedly|contemptuous|contemptuously|scornful|"
           "scornfully", "厌恶|嫌弃|恶心|鄙视", say_en="in disgust", say_zh="厌恶地"),
        _v("serious", "serious|seriously|solemn|solemnly|grave|gravely|stern|sternly|formal|formally",
           "严肃|认真|郑重|庄重", say_en="seriously", say_zh="严肃地"),
        _v("mysterious", "mysterious|mysteriously|secretive|secretively|eerie|eerily|cryptic|cryptically",
           "神秘|诡秘|故弄玄虚", say_en="mysteriously", say_zh="神秘地"),
    ),
    "style": (
        _v("narration", "narration|narrating|narrator|narrative|narrated|voice-over|voiceover|narrates",
           "旁白|叙述|讲述|解说|画外音", say_en="narrating", say_zh="用旁白的语气"),
        _v("whisper", "whisper|whispering|whispered|whispers|whispery|hushed|in a whisper",
           "低声|耳语|悄悄|悄声|轻声细语|窃窃私语|低语|悄悄话", say_en="whispering"),
        _v("shouting", "shouting|shout|shouts|shouted|yelling|yell|yells|yelled|screaming|scream|screams|"
           "hollering", "大喊|喊叫|呐喊|高喊|吼叫|怒吼|大叫|尖叫|呼喊|喊", say_zh="大喊着"),
        _v("news", "news|newscaster|news anchor|newsreader|news reader|reading the news|news broadcast|"
           "newscast", "新闻播报|播报新闻|新闻联播|播报|新闻", say_en="reading the news", say_zh="像新闻播报一样"),
        _v("storytelling", "storytelling|story telling|storyteller|telling a story|tells a story|tell a story|"
           "telling stories|bedtime story", "讲故事|说书|故事", say_en="telling a story", say_zh="像讲故事一样"),
        _v("conversational", "conversational|conversationally|casual|casually|chatting|chatty|chat|"
           "conversation|informal|informally|everyday", "聊天|对话|日常对话|随意|闲聊|口语化|随性",
           say_en="chatting", say_zh="像聊天一样"),
        _v("announcer", "announcer|announcing|announcement|broadcaster|broadcasting|presenter|commentator|"
           "radio host", "播音员|播音|主持人|广播|主持|解说员", say_en="announcing", say_zh="像播音员一样"),
        _v("recitation", "recitation|reciting|recite|recites|declaiming|poetry reading|reciting poetry",
           "朗诵|朗读|吟诵|诗朗诵", say_en="reciting", say_zh="像朗诵一样"),
        _v("dramatic", "dramatic|dramatically|theatrical|theatrically|melodramatic", "戏剧化|戏剧性|夸张|戏剧",
           say_en="dramatically", say_zh="戏剧化地"),
    ),
    "accent": (
        _v("american", "american|general american", "美式|美国|美音"),
        _v("british", "british|received pronunciation|cockney|londoner", "英式|英国|英音|伦敦"),
        _v("australian", "australian|aussie", "澳洲|澳大利亚|澳式"),
        _v("indian", "indian", "印度"),
        _v("scottish", "scottish|scots", "苏格兰"),
        _v("irish", "irish", "爱尔兰"),
        _v("canadian", "canadian", "加拿大"),
        _v("southern", "southern|texan|southern american", "美国南方|南方"),
        _v("french", "french", "法国|法式"),
        _v("german", "german", "德国|德式"),
        _v("spanish", "spanish", "西班牙"),
        _v("italian", "italian", "意大利"),
        _v("russian", "russian", "俄罗斯|俄式"),
        _v("japanese", "japanese", "日本|日式"),
        _v("korean", "korean", "韩国|韩式"),
        _v("chinese", "chinese", "中国"),
        _v("mandarin", "mandarin|mandarin chinese", "普通话|标准普通话"),
        _v("cantonese", "cantonese", "粤语|广东话|港式"),
    ),
    "pace": (
        _v(0.6, "very slowly|very slow|extremely slowly|extremely slow|very slow pace", "非常慢|很慢|极慢|特别慢",
           say_zh="非常慢地"),
        _v(0.75, "slowly|slow|slow-paced|leisurely|unhurried|slow pace|unhurriedly",
           "慢慢|缓慢|慢速|缓缓|慢吞吞|慢悠悠|慢"),
        _v(0.9, "slightly slower|a bit slower|a little slower|somewhat slower|slower|slightly slowly",
           "稍慢|略慢|较慢|慢一点|慢一些|稍微慢", say_zh="稍慢地"),
        _v(1.0, "normal pace|normal speed|normal rate|natural pace|moderate pace|average pace|regular pace|"
           "steady pace", "正常语速|语速正常|正常速度|中等语速|语速适中", say_en="at a normal pace", say_zh="以正常语速"),
        _v(1.15, "slightly faster|a bit faster|a little faster|somewhat faster|faster|briskly|brisk",
           "稍快|略快|较快|快一点|快一些|稍微快", say_zh="稍快地"),
        _v(1.3, "quickly|fast|quick|rapidly|rapid|hurriedly|hurried|fast-paced|swiftly|fast pace",
           "快速|飞快|急促|快|语速快|迅速|匆忙|急忙", say_zh="快速地"),
        _v(1.5, "very quickly|very fast|very rapidly|extremely fast|extremely quickly|very quick",
           "非常快|很快|极快|特别快|飞速", say_zh="非常快地"),
    ),
    "pitch": (
        _v(-7.0, "very deep voice|very deep|very low voice|very low-pitched|very low pitch",
           "非常低沉|极其低沉|很低沉|声音非常低沉", say_en="in a very deep voice", say_zh="声音非常低沉"),
        _v(-4.0, "deep voice|deep|low voice|low-pitched|low pitch|deep-voiced|bass voice|deep-toned",
           "低沉|浑厚|深沉|声音低沉|嗓音低沉", say_en="in a deep voice", say_zh="声音低沉"),
        _v(-2.0, "slightly lower pitch|slightly deeper|a bit deeper|a little deeper|slightly lower-pitched|"
           "deeper|lower pitch", "音调稍低|稍低沉|略低沉|音调略低", say_en="with a slightly lower pitch"),
        _v(0.0, "normal pitch|natural pitch|neutral pitch|usual pitch", "正常音调|音调正常|自然音调",
           say_en="at a normal pitch"),
        _v(2.0, "slightly higher pitch|slightly higher|a bit higher|a little higher|slightly higher-pitched|"
           "higher pitch|higher-pitched", "音调稍高|音调略高|稍高", say_en="with a slightly higher pitch"),
        _v(4.0, "high-pitched|high voice|high pitch|squeaky|shrill|piping",
           "尖细|高音调|音调高|尖锐|高亢|声音尖细|尖声", say_en="in a high-pitched voice", say_zh="声音尖细"),
        _v(7.0, "very high-pitched|very high voice|very high pitch|very squeaky",
           "非常尖细|极其尖细|很尖细|音调很高|声音非常尖细", say_en="in a very high-pitched voice", say_zh="声音非常尖细"),
    ),
    "volume": (
        _v(-12.0, "very quietly|very softly|very quiet|very soft|barely audible|almost inaudible",
           "非常小声|很小声|极小声|非常轻声"),
        _v(-6.0, "quietly|softly|quiet|soft|low volume|softer|quieter", "小声|轻声|轻轻|低音量|音量小|声音小"),
        _v(0.0, "normal volume|moderate volume|normal loudness|usual volume", "正常音量|音量正常|适中音量",
           say_en="at normal volume"),
        _v(6.0, "loudly|loud|loud voice|louder|high volume|forcefully", "大声|高声|响亮|音量大|声音大|洪亮"),
        _v(12.0, "very loudly|very loud|extremely loud|booming|thunderous", "非常大声|很大声|极大声|声如洪钟"),
    ),
}

SPEECH_COMPOUNDS = (
    _c("boy|boys|schoolboy|little boy", "男孩|小男孩|男孩子|男童", {"gender": "male"}, {"age": "child"}),
    _c("girl|girls|schoolgirl|little girl", "女孩|小女孩|女孩子|女童", {"gender": "female"}, {"age": "child"}),
    _c("lad|young fellow", "小伙子|小伙|男青年", {"gender": "male"}, {"age": "young"}),
    _c("lass|maiden", "姑娘|女青年", {"gender": "female"}, {"age": "young"}),
    _c("", "少年", {"age": "young"}, {"gender": "male"}),
    _c("", "男生|男同学", {"gender": "male"}, {"age": "young"}),
    _c("", "女生|女同学", {"gender": "female"}, {"age": "young"}),
    _c("", "少女", {"age": "young"}, {"gender": "female"}),
    _c("uncle", "大叔|叔叔", {"gender": "male"}, {"age": "adult"}),
    _c("aunt|auntie", "阿姨|大妈|大婶", {"gender": "female"}, {"age": "adult"}),
    _c("grandfather|grandpa|granddad|grandad|old-timer",
       "爷爷|老爷爷|老头|老头儿|老大爷|大爷|老爷子|外公|祖父|老先生|老汉", {"gender": "male"}, {"age": "elderly"}),
    _c("grandmother|grandma|granny|grandmom|crone",
       "奶奶|老奶奶|老太太|老妇人|老婆婆|婆婆|外婆|祖母|姥姥|老大娘|大娘", {"gender": "female"}, {"age": "elderly"}),
)

TONICS = ("C", "C#", "Db", "D", "D#", "Eb", "E", "F", "F#", "Gb", "G", "G#", "Ab", "A", "A#", "Bb", "B")

_MUSIC: dict[str, tuple[Value, ...]] = {
    "genre": (
        _v("ambient", "ambient|atmospheric|ambient music|drone|new age|new-age", "氛围音乐|环境音乐|氛围乐|环境乐"),
        _v("cinematic", "cinematic|orchestral|film score|movie score|soundtrack|symphonic|trailer music|film|"
           "film music", "电影配乐|管弦乐|交响乐|影视配乐|电影感|电影音乐|电影"),
        _v("folk", "folk|acoustic folk|folksy|folk song|acoustic", "民谣|民歌"),
        _v("jazz", "jazz|jazzy|swing|bebop|smooth jazz|ragtime|stride piano|boogie-woogie|dixieland|elevator music|"
           "muzak|lounge music|easy listening",
           "爵士乐|爵士|摇摆乐|拉格泰姆|散拍"),
        _v("rock", "rock|rock and roll|indie rock|hard rock|soft rock|punk", "摇滚乐|摇滚|朋克"),
        _v("pop", "pop|pop song|mainstream pop", "流行音乐|流行乐|流行歌曲|流行"),
        _v("electronic", "electronic|edm|techno|electro|house music|deep house|tech house|trance|synthwave|electronica|"
           "dance music|chiptune|chip tune|chiptunes|8-bit|8 bit|16-bit|video game music", "电子音乐|电子乐|电音|电子|芯片音乐|像素风"),
        _v("lo-fi", "lo-fi|lofi|chillhop|lo-fi hip hop|lo-fi hip-hop", "低保真|低保真音乐"),
        _v("classical", "classical|baroque|chamber music|neoclassical|chamber", "古典音乐|古典乐|古典|室内乐|巴洛克"),
        _v("blues", "blues|bluesy|delta blues", "布鲁斯|蓝调"),
        _v("hip-hop", "hip-hop|hip hop|hiphop|rap|trap|boom bap", "嘻哈|说唱|饶舌"),
        _v("country", "country|country music|bluegrass|americana", "乡村音乐|乡村"),
        _v("metal", "metal|heavy metal|death metal", "金属乐|重金属|金属"),
        _v("traditional chinese", "traditional chinese|chinese traditional|guofeng|chinese folk|chinese style|"
           "chinese|chinese music", "国风|中国风|古风|民族音乐|民乐", say_en="traditional Chinese"),
        _v("ballad", "ballad|power ballad", "抒情歌|抒情歌曲|情歌"),
        _v("funk", "funk|funky", "放克|芬克"),
        _v("reggae", "reggae|ska|dub", "雷鬼"),
        _v("r&b", "r&b|rnb|rhythm and blues|soul|neo-soul", "节奏布鲁斯|灵魂乐"),
        _v("latin", "latin|bossa nova|salsa|tango", "拉丁|探戈|波萨诺瓦"),
        _v("waltz", "waltz|waltzes|viennese waltz", "圆舞曲|华尔兹"),
        _v("march", "march|marches|marching band|military march", "进行曲"),
    ),
    "instruments": (
        _v("piano", "piano|pianos|grand piano|upright piano|pianoforte|keyboard|solo piano", "钢琴"),
        _v("electric piano", "electric piano|rhodes|wurlitzer|e-piano|epiano|keys", "电钢琴"),
        _v("guitar", "guitar|guitars|acoustic guitar|classical guitar|nylon guitar|fingerpicked guitar",
           "吉他|木吉他|民谣吉他|古典吉他"),
        _v("electric guitar", "electric guitar|electric guitars|distorted guitar", "电吉他"),
        _v("bass", "bass|bass guitar|bassline|bass line|double bass|upright bass|contrabass|sub bass|synth bass|"
           "electric bass", "贝斯|低音贝斯|低音提琴|贝司"),
        _v("strings", "strings|string section|string ensemble|string orchestra|string quartet|string|orchestra",
           "弦乐|弦乐组|弦乐团|弦乐四重奏"),
        _v("violin", "violin|violins|fiddle|solo violin", "小提琴"),
        _v("viola", "viola|violas", "中提琴"),
        _v("cello", "cello|cellos|violoncello", "大提琴"),
        _v("harp", "harp|harps", "竖琴"),
        _v("synth", "synth|synths|synthesizer|synthesiser|synthesizers|analog synth|arpeggiator|synth lead|lead synth|"
           "square wave|square-wave|square lead|sawtooth|saw lead|chip lead",
           "合成器|电子合成器|方波|锯齿波"),
        _v("pad", "pad|pads|synth pad|synth pads|ambient pad", "铺底|合成器铺底|垫音|音垫", say_en="synth pad"),
        _v("flute", "flute|flutes|alto flute", "长笛"),
        _v("dizi", "dizi|bamboo flute|chinese flute", "笛子|竹笛|笛"),
        _v("bells", "bells|bell|chimes|chime|glockenspiel|celesta|music box|tubular bells",
           "钟声|铃铛|钟琴|风铃|八音盒|铃声|编钟"),
        _v("organ", "organ|pipe organ|hammond|church organ|hammond organ|harmonium|reed organ",
           "管风琴|风琴|电风琴|簧风琴"),
        _v("drums", "drums|drum|drum kit|drumkit|drum machine|drumbeat|kick drum|snare|beat|beats",
           "鼓|架子鼓|鼓点|爵士鼓|鼓声"),
        _v("percussion", "percussion|percussive|hand percussion|shaker|tambourine|taiko", "打击乐|打击乐器|太鼓"),
        _v("choir", "choir|chorus|choral|vocal ensemble|voices", "合唱|合唱团|唱诗班"),
        _v("trumpet", "trumpet|trumpets", "小号"),
        _v("brass", "brass|brass section|brass ensemble", "铜管|铜管乐|铜管乐器"),
        _v("horn", "french horn|horn|horns", "圆号"),
        _v("saxophone", "saxophone|sax|saxophones|tenor sax|alto sax", "萨克斯|萨克斯风|萨克斯管"),
        _v("clarinet", "clarinet", "单簧管"),
        _v("oboe", "oboe", "双簧管"),
        _v("marimba", "marimba|xylophone|vibraphone", "马林巴|木琴|颤音琴"),
        _v("ukulele", "ukulele|uke", "尤克里里"),
        _v("accordion", "accordion", "手风琴"),
        _v("harmonica", "harmonica|mouth organ|blues harp", "口琴"),
        _v("guzheng", "guzheng|chinese zither|zither", "古筝|筝"),
        _v("guqin", "guqin", "古琴"),
        _v("erhu", "erhu|chinese fiddle", "二胡|胡琴"),
        _v("morin khuur", "morin khuur|horsehead fiddle|horse-head fiddle", "马头琴"),
        _v("pipa", "pipa|chinese lute", "琵琶"),
        _v("xiao", "xiao|chinese vertical flute", "箫|洞箫"),
        _v("xun", "xun|ocarina|clay flute", "埙|陶埙|陶笛"),
        _v("koto", "koto|japanese zither", "日本筝|十三弦筝"),
        _v("banjo", "banjo|banjos", "班卓琴"),
        _v("mandolin", "mandolin|mandolins", "曼陀林"),
        _v("lute", "lute|lutes", "鲁特琴"),
        _v("recorder", "recorder|recorders", "竖笛"),
        _v("pan flute", "pan flute|panpipes|pan pipes|panpipe", "排箫|排笛"),
        _v("whistle", "whistle|tin whistle|penny whistle", "哨笛|锡笛"),
        _v("trombone", "trombone|trombones", "长号"),
        _v("tuba", "tuba|tubas", "大号"),
        _v("timpani", "timpani|kettle drums|kettledrums", "定音鼓"),
    ),
    "tempo_bpm": (
        _v(50.0, "largo", "广板"),
        _v(60.0, "very slow|very slowly|extremely slow", "非常慢|极慢|很慢|特别慢", say_en="very slow tempo"),
        _v(66.0, "adagio", "柔板"),
        _v(70.0, "slow|slowly|slow-paced|unhurried|leisurely", "缓慢|慢速|慢节奏|慢|徐缓", say_en="slow tempo"),
        _v(84.0, "andante|walking pace", "行板"),
        _v(96.0, "moderate tempo|moderate|mid-tempo|medium tempo|moderately paced|medium-paced",
           "中速|中等速度|中等节奏"),
        _v(104.0, "moderato", "中板"),
        _v(116.0, "upbeat|bouncy|brisk|up-tempo|uptempo", "轻快|跳跃", say_en="upbeat tempo"),
        _v(128.0, "allegro", "快板"),
        _v(132.0, "fast|fast-paced|quick|rapid|quickly|speedy", "快速|快节奏|快|急速", say_en="fast tempo"),
        _v(140.0, "vivace", "活板"),
        _v(150.0, "very fast|very quick|frantic|breakneck|extremely fast", "非常快|极快|很快|飞快|特别快",
           say_en="very fast tempo"),
        _v(176.0, "presto", "急板"),
    ),
    "mood": (
        _v("sad", "sad|melancholic|melancholy|sorrowful|mournful|somber|sombre|heartbreaking|tragic|gloomy|sadness|"
           "grief|lonely|loneliness",
           "悲伤|忧伤|伤感|哀伤|悲凉|凄凉|难过|悲痛|悲情"),
        _v("happy", "happy|joyful|cheerful|joyous|jubilant|festive|celebratory|merry|feel-good|sunny|excited",
           "欢快|快乐|开心|愉快|喜悦|欢乐|喜庆|欢腾"),
        _v("tense", "tense|suspenseful|suspense|anxious|tension|thriller|nervous|urgent|fearful",
           "紧张|悬疑|不安|焦虑|紧迫|急迫|扣人心弦"),
        _v("calm", "calm|peaceful|serene|relaxing|relaxed|tranquil|soothing|chill|chilled|meditative|restful",
           "宁静|平静|安静|舒缓|放松|祥和|恬静|安详|悠闲|轻松"),
        _v("epic", "epic|heroic|grand|majestic|triumphant|anthemic", "宏大|史诗|壮丽|雄壮|磅礴|激昂|英雄|恢弘|大气"),
        _v("mysterious", "mysterious|mystical|enigmatic|mystery|eerie|otherworldly|magical",
           "神秘|奇幻|诡秘|魔幻|诡异"),
        _v("romantic", "romantic|loving|love|tender|sensual|intimate", "浪漫|深情|温情|甜蜜|柔情"),
        _v("playful", "playful|whimsical|quirky|fun|silly|cheeky", "俏皮|活泼|诙谐|顽皮|调皮|可爱|轻松愉快"),
        _v("nostalgic", "nostalgic|wistful|sentimental|bittersweet|retro|reminiscent|longing",
           "怀旧|思念|怀念|追忆|回忆|惆怅"),
        _v("dark", "dark|ominous|sinister|brooding|menacing|grim|scary|horror", "黑暗|阴暗|阴郁|压抑|阴森|恐怖|暗黑"),
        _v("hopeful", "hopeful|uplifting|optimistic|inspiring|inspirational|encouraging|hope",
           "充满希望|希望|励志|振奋|鼓舞人心|温暖人心"),
        _v("dreamy", "dreamy|ethereal|dreamlike|floating|hazy", "梦幻|空灵|迷幻|朦胧"),
        _v("angry", "angry|furious|rage|raging|wrathful", "愤怒|暴怒|狂怒"),
    ),
    "mode": (
        _v("major", "major|major key|in a major key", "大调", say_en="in a major key"),
        _v("minor", "minor|minor key|in a minor key", "小调", say_en="in a minor key"),
    ),
    "energy": (
        _v(0.2, "low energy|low-energy|subdued|laid-back|laid back|minimal|sparse", "低能量|能量低|克制|内敛|低调"),
        _v(0.3, "gentle|soft|gently|delicate|quiet|softly", "轻柔|柔美|温柔|轻缓|细腻"),
        _v(0.5, "medium energy|moderate energy|mid energy|balanced", "中等能量|能量适中|适中"),
        _v(0.8, "high energy|high-energy|energetic|powerful|lively", "高能量|能量高|充满活力|活力|有力|动感|充沛"),
        _v(0.9, "intense|aggressive|explosive|fierce|driving|hard-hitting", "激烈|强烈|猛烈|狂野|爆发|震撼"),
    ),
    "brightness": (
        _v(0.15, "dark tone|dark timbre|dark sound|dark-sounding|murky|muffled", "暗淡|灰暗|音色暗|晦暗|暗色调|低沉",
           say_zh="音色暗淡"),
        _v(0.3, "mellow|mellowed|soft-toned|smooth", "柔和|醇厚|圆润|醇美", say_zh="音色柔和"),
        _v(0.4, "warm|warmth|warm tone|warm-sounding", "温暖|暖色调|温润", say_zh="音色温暖"),
        _v(0.8, "bright|brightly|crisp|airy|clear", "明亮|清亮|清脆|明快|清澈", say_zh="音色明亮"),
        _v(0.95, "very bright|brilliant|sparkling|shimmering|glittering", "非常明亮|闪亮|晶莹|璀璨|闪耀|耀眼",
           say_zh="音色非常明亮"),
    ),
    "vocals": (
        _v("male", "male vocals|male vocal|male vocalist|male singer|male voice|sung by a man|baritone|tenor",
           "男声|男歌手|男声演唱|男中音|男高音", say_en="with male vocals", say_zh="男声演唱"),
        _v("female", "female vocals|female vocal|female vocalist|female singer|female voice|sung by a woman|"
           "soprano|alto", "女声|女歌手|女声演唱|女高音|女中音", say_en="with female vocals", say_zh="女声演唱"),
        _v("none", "instrumental|no vocals|without vocals|no singing|instrumental only|purely instrumental",
           "纯音乐|无人声|器乐|纯器乐|没有人声|不带人声|不要人声|不需要人声|无需人声"),
    ),
}

_SOUND: dict[str, tuple[Value, ...]] = {
    "intensity": (
        _v(0.15, "very light|very faint|very soft|barely audible|very gentle|very quiet", "非常轻微|极轻|很轻|隐约"),
        _v(0.3, "light|gentle|soft|faint|quiet|gently|softly|lightly|mild", "轻微|轻轻|轻柔|微弱|细微|柔和"),
        _v(0.5, "moderate|steady|medium intensity|moderate intensity", "中等强度|中等|适中"),
        _v(0.85, "heavy|loud|violent|strong|intense|powerful|fierce|pounding|heavily|loudly",
           "猛烈|剧烈|强烈|大|巨大|响亮|狂暴"),
        _v(1.0, "very heavy|very loud|deafening|torrential|extremely loud|very strong|very violent",
           "震耳欲聋|极其猛烈|非常猛烈|倾盆|非常大|很大"),
    ),
    "distance": (
        _v("close", "close|close up|close-up|up close|right next to|very close|right beside", "近距离|贴近|耳边|特写",
           say_en="close up", say_zh="耳边"),
        _v("near", "nearby|near|close by|near by", "近处|附近|不远处|旁边"),
        _v("medium", "medium distance|mid-distance|middle distance|at a medium distance|moderately far",
           "中等距离|中距离", say_en="at a medium distance"),
        _v("far", "far away|far|far off|in the distance|faraway|afar|from afar|far-off", "远处|远方|远"),
        _v("distant", "distant|in the far distance|very far away|very far|remote|distantly", "遥远|很远|极远|远远|非常远",
           say_en="in the far distance", say_zh="很远的地方"),
    ),
    "environment": (
        _v("indoor", "indoors|indoor|inside|in a room|room|interior", "室内|屋里|屋内|房间", say_zh="在室内"),
        _v("outdoor", "outdoors|outdoor|outside|open air|open-air|in the open", "室外|户外|野外", say_zh="在室外"),
        _v("cave", "cave|cavern|caves|grotto", "山洞|洞穴|岩洞|洞里", say_en="in a cave", say_zh="在山洞里"),
        _v("hall", "hall|concert hall|auditorium|large hall|big hall", "大厅|礼堂|音乐厅",
           say_en="in a hall", say_zh="在大厅里"),
        _v("street", "street|streets|city street|sidewalk|alley|on the road", "街道|街头|大街|马路|街上",
           say_en="on a street", say_zh="在街道上"),
        _v("forest", "forest|woods|woodland|jungle|in the woods", "森林|树林|丛林|林中",
           say_en="in a forest", say_zh="在森林里"),
        _v("city", "city|urban|downtown", "城市|市区|都市", say_en="in a city", say_zh="在城市里"),
        _v("beach", "beach|shore|seaside|coast|seashore", "海边|海滩|沙滩|海岸", say_en="on a beach", say_zh="在海边"),
        _v("underwater", "underwater|under water|under the sea", "水下|水底|海底", say_zh="在水下"),
        _v("church", "church|cathedral|chapel", "教堂", say_en="in a church", say_zh="在教堂里"),
        _v("bathroom", "bathroom|shower|in the bathroom", "浴室|卫生间", say_en="in a bathroom", say_zh="在浴室里"),
        # "car" alone is usually the sound itself (a car passing), so only "in a car" names the place.
        _v("car", "in a car|inside a car|in the car|inside the car|car interior", "车里|车内|车厢",
           say_zh="在车里"),
        _v("tunnel", "tunnel|tunnels|underpass", "隧道|地道", say_en="in a tunnel", say_zh="在隧道里"),
        _v("countryside", "countryside|meadow|farmland|rural|in the fields", "乡村|田野|农村|草地|乡间",
           say_en="in the countryside", say_zh="在乡村"),
    ),
}

# Words a phrase may start with that only grade the next word ("a little sad", "a bit slower"); matched as
# units so that "a little" is not read as the age "little".
EN_FILLERS = ("a little", "a bit", "a touch", "kind of", "sort of", "a tad")

EN_STOP = frozenset("""
a an the and or but nor so yet of in on at by for to from with within into onto over under about around
through across as like than then that this these those there here it its is are was were be been being has
have had do does did who whom whose which what while when where he she they them his her hers their theirs
him we us our you your i me my one ones some any all each every both either very quite rather really
somewhat slightly just also too much more most less least bit kind sort type way manner style tone tones
voice voices timbre sound sounds sounding speak speaks speaking spoke spoken say says saying said talk talks
talking read reads reading line lines words word sentence person people someone somebody character speaker
pace speed rate pitch volume level tempo music musical piece track song songs tune melody melodies
instrument instruments instrumentation accompanied accompaniment featuring feature features using use uses
played playing plays key mode feel feeling feels vibe vibes mood atmosphere atmospheric energy background
foreground effect effects sfx audio clip recording not no never without nor s t please make makes made
should would could will can must give gives something thing things around about away together
accent accents approximately roughly almost nearly per sung singing vocals vocal tell tells telling told
ask asks asking asked reply replies replying answer answers answering call calls calling
""".split())

ZH_NEGATORS = ("不要", "不太", "不是", "不用", "没有", "毫无", "不", "别", "无", "勿", "没")
ZH_NEG_INTENSIFIERS = ("那么", "过于", "太", "很", "要", "过", "够", "怎么")
# Function words the Chinese segmenter may cut out anywhere (they almost never occur inside a content word).
ZH_STOP = frozenset("""
的 地 得 了 着 和 与 及 或 并 而 很 在 用 以 把 被 从 向 往 说 讲 带 像 是 个 位 非常 十分 特别 有点 有些 稍微 比较
略微 一点 极其 相当 更加 一位 一个 一名 一首 一段 一种 一些 一下 声音 嗓音 语气 口吻 音色 口音 语速 语调 音调 音量
风格 方式 感觉 氛围 音乐 乐曲 曲子 歌曲 配乐 旋律 节奏 速度 能量 调子 传来 响起 听到 听见 发出 带着 带有 具有 充满
使用 演奏 演唱 伴随 伴随着 以及 并且 而且 但是 同时 然后 说话 讲话 说道 地说 一样 似的 般的 地方 效果 音效 背景 环境
情绪 情感 语言 请 要 需要 一边 然后
""".split())
# Single characters trimmed only from the ends of a leftover span (inside a word they are content: 中国, 上海).
ZH_EDGE = frozenset("里上中下内也都就对给让有为这那名首段一些点种般似更较稍太最略于啊呀吧呢")

# Families for backends with a small palette (a plucked-string synth voice stands in for the guzheng).
INSTRUMENT_FAMILY = {
    "guzheng": "harp", "guqin": "harp", "pipa": "guitar", "erhu": "violin", "dizi": "flute",
    "ukulele": "guitar", "electric piano": "piano", "viola": "violin", "horn": "brass", "trumpet": "brass",
    "marimba": "bells", "accordion": "organ", "electric guitar": "guitar", "choir": "pad", "xiao": "flute",
    "koto": "harp", "banjo": "guitar", "mandolin": "guitar", "lute": "guitar", "recorder": "flute",
    "pan flute": "flute", "whistle": "flute", "xun": "flute", "morin khuur": "violin", "harmonica": "organ",
    "trombone": "brass", "tuba": "brass", "timpani": "percussion",
}

TABLES: dict[str, dict[str, tuple[Value, ...]]] = {"speech": _SPEECH, "music": _MUSIC, "sound": _SOUND}
