/**
 * A curated set of common emoji with their CLDR short names (and a few extra search
 * words), for the reaction picker's search. Kept small on purpose: a chat reaction is
 * almost always one of these, and a full dataset would weigh more than the picker.
 * One line per emoji: `emoji|name|extra words`.
 */
const DATA = `
👍|thumbs up|like yes ok +1 agree
👎|thumbs down|dislike no -1
❤️|red heart|love like
😂|face with tears of joy|laugh lol funny
🤣|rolling on the floor laughing|rofl laugh lol
😮|face with open mouth|wow surprised
😢|crying face|sad tear
😭|loudly crying face|sob sad
🙏|folded hands|please thanks pray
🎉|party popper|celebrate tada congrats
👀|eyes|look see watching
🔥|fire|hot lit
💯|hundred points|100 perfect
✅|check mark button|done yes ok
❌|cross mark|no wrong
👏|clapping hands|applause bravo
🙌|raising hands|hooray celebrate
👋|waving hand|hello hi bye wave
🤝|handshake|deal agree
💪|flexed biceps|strong muscle
✌️|victory hand|peace
🤞|crossed fingers|luck hope
👌|ok hand|okay perfect
🤙|call me hand|shaka
👉|backhand index pointing right|point
👈|backhand index pointing left|point
👆|backhand index pointing up|point
👇|backhand index pointing down|point
☝️|index pointing up|point one
🤘|sign of the horns|rock
🫡|saluting face|salute respect
🤷|person shrugging|shrug dunno
🤦|person facepalming|facepalm
🙋|person raising hand|hand question me
🙈|see-no-evil monkey|oops monkey
🙉|hear-no-evil monkey|monkey
🙊|speak-no-evil monkey|monkey secret
😀|grinning face|smile happy
😃|grinning face with big eyes|smile happy
😄|grinning face with smiling eyes|smile happy
😁|beaming face with smiling eyes|grin
😆|grinning squinting face|laugh
😅|grinning face with sweat|phew relief
🙂|slightly smiling face|smile
🙃|upside-down face|silly sarcasm
😉|winking face|wink
😊|smiling face with smiling eyes|blush happy
😇|smiling face with halo|angel innocent
🥰|smiling face with hearts|love adore
😍|smiling face with heart-eyes|love crush
🤩|star-struck|wow amazing
😘|face blowing a kiss|kiss
😋|face savoring food|yum delicious
😛|face with tongue|tongue
😜|winking face with tongue|crazy joke
🤪|zany face|crazy goofy
🤑|money-mouth face|money rich
🤗|smiling face with open hands|hug
🤭|face with hand over mouth|oops giggle
🤫|shushing face|quiet secret
🤔|thinking face|think hmm
🤐|zipper-mouth face|secret quiet
🤨|face with raised eyebrow|skeptical suspicious
😐|neutral face|meh
😑|expressionless face|blank
😶|face without mouth|speechless
😏|smirking face|smirk
😒|unamused face|meh unhappy
🙄|face with rolling eyes|eyeroll whatever
😬|grimacing face|awkward yikes
😌|relieved face|relief calm
😔|pensive face|sad thoughtful
😪|sleepy face|tired
😴|sleeping face|sleep zzz tired
😷|face with medical mask|sick mask
🤒|face with thermometer|sick ill
🤕|face with head-bandage|hurt injured
🤢|nauseated face|sick gross
🤮|face vomiting|sick gross
🥵|hot face|heat sweat
🥶|cold face|freezing
🥴|woozy face|dizzy drunk
😵|face with crossed-out eyes|dizzy dead
🤯|exploding head|mind blown shocked
🤠|cowboy hat face|cowboy yeehaw
🥳|partying face|party celebrate birthday
😎|smiling face with sunglasses|cool
🤓|nerd face|nerd geek
🧐|face with monocle|inspect curious
😕|confused face|confused
😟|worried face|worried
🙁|slightly frowning face|sad
😯|hushed face|surprised
😲|astonished face|shocked amazed
😳|flushed face|embarrassed blush
🥺|pleading face|please puppy eyes
😦|frowning face with open mouth|shocked
😧|anguished face|pain
😨|fearful face|scared fear
😰|anxious face with sweat|nervous
😥|sad but relieved face|phew
😱|face screaming in fear|scream horror
😖|confounded face|frustrated
😣|persevering face|struggle
😞|disappointed face|sad disappointed
😓|downcast face with sweat|hard work
😩|weary face|tired
😫|tired face|exhausted
🥱|yawning face|bored tired
😤|face with steam from nose|triumph angry
😡|enraged face|angry mad
😠|angry face|angry mad
🤬|face with symbols on mouth|swear curse angry
😈|smiling face with horns|devil evil
💀|skull|dead dying lol
💩|pile of poo|poop
🤡|clown face|clown
👻|ghost|boo halloween
👽|alien|ufo space
🤖|robot|bot machine
😺|grinning cat|cat
😸|grinning cat with smiling eyes|cat
😻|smiling cat with heart-eyes|cat love
💋|kiss mark|kiss lips
💌|love letter|love mail
💘|heart with arrow|love cupid
💝|heart with ribbon|love gift
💖|sparkling heart|love
💗|growing heart|love
💓|beating heart|love
💕|two hearts|love
💞|revolving hearts|love
💔|broken heart|sad heartbreak
🧡|orange heart|love
💛|yellow heart|love
💚|green heart|love
💙|blue heart|love
💜|purple heart|love
🖤|black heart|love
🤍|white heart|love
🤎|brown heart|love
💥|collision|boom bang
💫|dizzy|star
💦|sweat droplets|water splash
💨|dashing away|fast wind
💬|speech balloon|comment chat
💭|thought balloon|think
💤|zzz|sleep
⭐|star|favourite
🌟|glowing star|star shine
✨|sparkles|shiny magic new
⚡|high voltage|lightning zap fast
☀️|sun|sunny weather
🌈|rainbow|pride
☁️|cloud|weather
🌧️|cloud with rain|rain weather
❄️|snowflake|snow cold winter
☕|hot beverage|coffee tea
🍵|teacup without handle|tea
🍺|beer mug|beer drink
🍻|clinking beer mugs|cheers beer
🥂|clinking glasses|cheers toast champagne
🍷|wine glass|wine drink
🍕|pizza|food
🍔|hamburger|burger food
🍟|french fries|fries food
🌮|taco|food
🍣|sushi|food
🍜|steaming bowl|noodles ramen
🍰|shortcake|cake dessert
🎂|birthday cake|birthday cake
🍪|cookie|biscuit
🍩|doughnut|donut
🍎|red apple|apple fruit
🍌|banana|fruit
🍓|strawberry|fruit
🥑|avocado|fruit
🌶️|hot pepper|spicy chili
🍿|popcorn|movie
🎁|wrapped gift|present gift
🎈|balloon|party
🎊|confetti ball|party celebrate
🏆|trophy|win winner award
🥇|1st place medal|gold winner first
🏅|sports medal|medal
⚽|soccer ball|football sport
🏀|basketball|sport
🎮|video game|game controller
🎲|game die|dice
🎯|bullseye|target goal
🎵|musical note|music
🎶|musical notes|music
🎤|microphone|sing karaoke
🎧|headphone|music listen
📷|camera|photo
🎬|clapper board|movie film
📚|books|read study
📝|memo|note write
✏️|pencil|write edit
📌|pushpin|pin
📎|paperclip|attach
📅|calendar|date
⏰|alarm clock|time wake
⏳|hourglass not done|wait time
⌛|hourglass done|time
🔔|bell|notification
🔕|bell with slash|mute
🔒|locked|lock secure
🔑|key|password
💡|light bulb|idea
💻|laptop|computer
📱|mobile phone|phone
☎️|telephone|phone call
📞|telephone receiver|call phone
✉️|envelope|mail email
📧|e-mail|mail email
📦|package|box delivery
💰|money bag|money
💸|money with wings|spend money
📈|chart increasing|growth up stonks
📉|chart decreasing|down
🚀|rocket|launch ship fast
✈️|airplane|travel flight
🚗|automobile|car drive
🚲|bicycle|bike
🏠|house|home
🏢|office building|work office
🌍|globe showing Europe-Africa|world earth
🌱|seedling|plant grow
🌲|evergreen tree|tree
🌸|cherry blossom|flower spring
🌹|rose|flower love
🌻|sunflower|flower
🍀|four leaf clover|luck
🐶|dog face|dog puppy
🐱|cat face|cat kitten
🐭|mouse face|mouse
🐰|rabbit face|bunny
🦊|fox|animal
🐻|bear|animal
🐼|panda|animal
🐨|koala|animal
🦁|lion|animal
🐸|frog|animal
🐵|monkey face|monkey
🐔|chicken|bird
🐧|penguin|bird
🦄|unicorn|magic
🐝|honeybee|bee
🦋|butterfly|insect
🐢|turtle|slow
🐍|snake|python
🐙|octopus|animal
🐳|spouting whale|whale
⚠️|warning|caution alert
🚫|prohibited|no forbidden
⛔|no entry|stop
❓|red question mark|question
❗|red exclamation mark|exclamation important
‼️|double exclamation mark|important
➕|plus|add
➖|minus|subtract
➡️|right arrow|next
⬅️|left arrow|back
⬆️|up arrow|up
⬇️|down arrow|down
🔁|repeat button|again loop
🆗|OK button|ok
🆕|NEW button|new
🆒|COOL button|cool
🆘|SOS button|help emergency
💤|sleeping symbol|sleep
🏁|chequered flag|finish done
🚩|triangular flag|flag red flag
🏳️‍🌈|rainbow flag|pride
`;

export interface EmojiEntry {
  emoji: string;
  name: string;
  /** Lower-case name and extra words, for search. */
  words: string;
}

export const EMOJI: readonly EmojiEntry[] = (() => {
  const seen = new Set<string>();
  const entries: EmojiEntry[] = [];
  for (const line of DATA.split('\n')) {
    const [emoji, name, extra] = line.split('|');
    if (!emoji || !name || seen.has(emoji)) continue;
    seen.add(emoji);
    entries.push({ emoji, name, words: `${name} ${extra ?? ''}`.toLowerCase() });
  }
  return entries;
})();
