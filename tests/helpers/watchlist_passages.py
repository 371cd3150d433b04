"""Passages worded the way the press words them, labelled with the watchlists an analyst wants.

Written for monitor's own tests (not copied from any outlet): headlines and lead sentences in
English and Ukrainian about the Ukraine–US drone deal and NATO's PURL mechanism, however
they are named or left unnamed, plus the other senses of the same words (US counter-drone
sales to other countries, drone deals of other countries, persistent URLs, package URLs,
knitting). A passage is ``title`` then, after a blank line, an optional summary.
"""

from __future__ import annotations

DD = "Drone Deal"
PURL = "PURL"

# (labels, passage)
PASSAGES: list[tuple[frozenset[str], str]] = [
    # -- The drone deal, by name -------------------------------------------------------------
    ({DD}, "Zelensky: Drone Deal with the United States could be signed within weeks"),
    (
        {DD},
        "Umerov and Driscoll discussed the drone deal in Kyiv\n\nThe sides agreed to "
        "continue consultations on volumes and financing.",
    ),
    ({DD}, "The drone-deal framework is ready, the defence minister says"),
    ({DD}, "Dron Deal talks continue, Office of the President says"),
    ({DD}, "What we know about the DroneDeal so far"),
    ({DD}, "Drone Deals: Kyiv wants a long-term contract, not one-off purchases"),
    ({DD}, "Єрмак: Drone Deal зі Штатами майже готова"),
    ({DD}, "Умєров провів у Вашингтоні переговори щодо дронової угоди"),
    ({DD}, "Дронова угода може стати найбільшим оборонним контрактом в історії України"),
    ({DD}, "«Дрон Діл»: що Україна пропонує американцям"),
    ({DD}, "Президент розраховує підписати мегаугоду до кінця року"),
    ({DD}, "Мегаугода зі США: Україна пропонує Вашингтону свої дрони в обмін на зброю"),
    (
        {DD},
        "Zelensky hopes to sign a mega deal with Trump\n\nUkraine would buy American weapons "
        "and the US would buy Ukrainian drones.",
    ),
    ({DD}, "The so-called megadeal would include a drone component, Zelensky said"),
    # -- The drone deal, described without its name ------------------------------------------
    (
        {DD},
        "Kyiv expects the agreement on drones with the US to be signed before the end of "
        "the year, Yermak said",
    ),
    (
        {DD},
        "Ukraine offered the United States a drone production deal worth tens of billions "
        "of dollars",
    ),
    (
        {DD},
        "Ukraine and America are close to a deal on drones, the President said\n\nThe "
        "agreement would let the US buy our battle-tested UAVs.",
    ),
    (
        {DD},
        "Washington is interested in purchasing Ukrainian interceptor drones, ambassador "
        "Stefanishyna said",
    ),
    ({DD}, "Ukraine, U.S. discuss joint drone manufacturing agreement"),
    (
        {DD},
        "The US could purchase up to $10 billion worth of drones from Ukraine under the "
        "proposed agreement, Svyrydenko said",
    ),
    ({DD}, "Stefanishyna: the drone agreement with Washington is in its final stage"),
    (
        {DD},
        "Kyiv and Washington have agreed the main parameters of a deal under which the "
        "Americans will buy Ukrainian drones",
    ),
    ({DD}, "A deal on Ukrainian drones for the US army could be worth $10-30 billion"),
    (
        {DD},
        "Zelensky: we have proposed a drone agreement to the Americans, and they are interested",
    ),
    ({DD}, "Ukraine will sell its drones to the US as part of a broader agreement, Zelensky says"),
    (
        {DD},
        "Ukraine is ready to produce drones for the United States and share its combat "
        "experience, Zelensky told Trump",
    ),
    ({DD}, "Pentagon team in Kyiv to study buying Ukrainian drones"),
    ({DD}, "US and Ukrainian negotiators discuss terms of the UAV agreement in Washington"),
    ({DD}, "Зеленський: угода з США щодо дронів може бути підписана найближчими тижнями"),
    ({DD}, "Україна та США обговорили мегаугоду: американці купуватимуть наші дрони"),
    ({DD}, "Свириденко розповіла про угоду щодо купівлі наших дронів Сполученими Штатами"),
    ({DD}, "Україна і США готують угоду про дрони на десятки мільярдів доларів"),
    ({DD}, "Україна запропонувала США угоду про спільне виробництво дронів"),
    ({DD}, "Американці зацікавлені в купівлі українських дронів-перехоплювачів, — посол"),
    ({DD}, "Dron Deal: у Вашингтоні тривають переговори щодо постачання українських дронів"),
    (
        {DD},
        "Зеленський анонсував домовленість із Трампом щодо продажу американцям "
        "українських безпілотників",
    ),
    ({DD}, "США можуть закупити українських БПЛА на 10 млрд доларів, — Стефанішина"),
    (
        {DD},
        "Україна готова виробляти дрони для Сполучених Штатів та ділитися бойовим "
        "досвідом, заявив Зеленський",
    ),
    ({DD}, "Угоду щодо безпілотників зі Штатами обговорили Умєров і Дрісколл"),
    (
        {DD},
        "Переговори про дронову угоду\n\nСторони обговорили обсяги постачання "
        "українських дронів до США та фінансування.",
    ),
    ({DD}, "Україна може експортувати свої дрони до США в межах великої домовленості"),
    ({DD}, "Американська армія хоче купувати дрони в України, — Єрмак"),
    # -- Not the deal: other senses and other deals ------------------------------------------
    (set(), "Angry drone: deal or no deal"),
    (set(), "US approves $1.1 billion counter-drone deal with Qatar"),
    (set(), "State Department clears sale of counter-drone systems to Poland worth $800 million"),
    (
        set(),
        "The United States agreed to sell anti-drone systems to Saudi Arabia under a new "
        "deal\n\nThe package includes radars and interceptors.",
    ),
    (set(), "Lessons from Ukraine: US signs counter-drone agreement with Romania"),
    (set(), "India signs $3.5 billion agreement with US for 31 MQ-9B Predator drones"),
    (set(), "Ukraine and Denmark sign agreement on joint drone production"),
    (
        set(),
        "Denmark is helping us scale up drone production under the new agreement, Zelensky said",
    ),
    (set(), "Україна та Велика Британія уклали угоду щодо виробництва дронів-перехоплювачів"),
    (set(), "Україна і Нідерланди підписали угоду про дрони для ЗСУ"),
    (set(), "The US will supply Ukraine with more Switchblade drones"),
    (set(), "US sells drones to Ukraine under a new aid package"),
    (set(), "Ukrainian forces buy American drones with money raised by volunteers"),
    (set(), "Trump's mega deal with Japan: $550 billion in investment"),
    (set(), "Drones attacked Kyiv overnight; talks on a peace deal with the US continue"),
    (
        set(),
        "Ukraine hit a Russian refinery with drones.\n\nMeanwhile the US and Ukraine "
        "signed a minerals agreement.",
    ),
    (set(), "США схвалили продаж Польщі систем протидії дронам на 800 млн доларів"),
    (set(), "Taiwan signs deal to buy US drones worth $360 million"),
    (set(), "Ukraine's drone makers look for investors at a fair in Kyiv"),
    (set(), "Зеленський: угода з США про рідкісноземельні метали готова"),
    (set(), "Дрони атакували Київ: Трамп закликав до угоди"),
    (set(), "Pentagon launches its own drone production programme, citing lessons from Ukraine"),
    # -- PURL, by name ------------------------------------------------------------------------
    ({PURL}, "Norway and Germany join PURL with new contributions"),
    ({PURL}, "The Netherlands allocates €250 million to PURL"),
    ({PURL}, "Canada announces a $200 million contribution to the PURL initiative"),
    ({PURL}, "NATO's Prioritized Ukraine Requirements List delivers first Patriot missiles"),
    ({PURL}, "First PURL-funded package of US weapons arrives in Ukraine"),
    (
        {PURL},
        "Rutte: allies have pledged $4 billion under the Prioritised Ukraine Requirements List",
    ),
    ({PURL}, "Нідерланди виділили 250 мільйонів євро на PURL"),
    ({PURL}, "Данія, Норвегія та Швеція профінансують пакет у межах механізму PURL"),
    ({PURL}, "Україна отримала перший пакет американської зброї за програмою PURL"),
    ({PURL}, "Фінляндія долучилася до ініціативи PURL"),
    ({PURL}, "Шмигаль: до Переліку пріоритетних потреб України увійшли ракети до Patriot"),
    ({PURL}, "Естонія внесе внесок до PURL-пакету"),
    ({PURL}, "Bulletin\n\nBelgium said it would join PURL next month."),
    # -- PURL, described without its name -----------------------------------------------------
    ({PURL}, "NATO allies will pay for American weapons for Ukraine under a new mechanism"),
    (
        {PURL},
        "Denmark, Norway and Sweden will finance a $500 million package of US weapons for "
        "Ukraine through NATO",
    ),
    (
        {PURL},
        "Germany to fund purchase of US-made Patriot interceptors for Ukraine via NATO mechanism",
    ),
    ({PURL}, "European allies buy American arms for Kyiv under the NATO scheme"),
    ({PURL}, "The Netherlands will pay €500 million for a package of American weapons for Ukraine"),
    (
        {PURL},
        "Under the NATO initiative, European countries finance deliveries of US weapons to Ukraine",
    ),
    ({PURL}, "Нідерланди профінансують пакет американської зброї для України на 500 млн євро"),
    (
        {PURL},
        "Механізм НАТО, за яким союзники купують американську зброю для України, "
        "отримав нові внески",
    ),
    ({PURL}, "Скандинавські країни оплатять закупівлю американського озброєння для ЗСУ"),
    ({PURL}, "Союзники по НАТО фінансуватимуть закупівлю зброї у США для України"),
    (
        {PURL},
        "Канада профінансує придбання американських систем ППО для України в межах механізму НАТО",
    ),
    ({PURL}, "Європейські партнери закуповуватимуть американську зброю для України через НАТО"),
    # -- Not PURL -----------------------------------------------------------------------------
    (
        set(),
        "PURL: persistent URLs that outlive the servers they point at\n\nThe OCLC "
        "service redirects each PURL to the current location of a resource.",
    ),
    (
        set(),
        "Why every SBOM entry should carry a PURL\n\nThe package URL (purl) spec names "
        "a package across npm, PyPI and Maven.",
    ),
    (set(), "purl-spec 1.0 released: package URLs get a formal grammar"),
    (set(), "Dublin Core terms live at purl.org/dc/terms, so keep the namespace stable"),
    (set(), "Knit two, purl two: a ribbing pattern for beginners"),
    (set(), "How to purl: the second stitch every knitter needs"),
    (set(), "Archives migrate to PURLs for stable identifiers"),
    (set(), "Ukraine buys American weapons with its own budget funds, Umerov says"),
    (set(), "US approves sale of Patriot systems to Germany"),
    (set(), "Czech initiative delivers one million shells to Ukraine"),
    (set(), "Данія фінансуватиме виробництво українських дронів за «данською моделлю»"),
    (set(), "NATO allies pledge to raise defence spending to 5% of GDP"),
    (set(), "США схвалили продаж Данії ракет AMRAAM"),
    (set(), "Ukraine Defence Contact Group: partners pledge new air defence"),
    # -- A second batch, written after the rules, kept as found -------------------------------
    ({DD}, "Trump says US 'will be buying' drones from Ukraine"),
    ({DD}, "Ukraine and US agree to work on a deal for American purchases of Ukrainian drones"),
    ({DD}, "Zelensky: drone pact with Washington would bring $50 billion to our industry"),
    (
        {DD},
        "Ukrainian drone makers could supply the US military under a future bilateral agreement",
    ),
    ({DD}, "Kyiv proposes a drones-for-weapons swap to Washington"),
    ({DD}, "Зеленський: США хочуть купувати наші дрони"),
    (
        {DD},
        "Україна та США працюють над угодою, за якою американці закуповуватимуть українські дрони",
    ),
    ({DD}, "Посол: домовленості щодо дронів зі США - на фінальному етапі"),
    ({DD}, "Зеленський розраховує на «дронову угоду» з Трампом"),
    ({DD}, "Угода щодо дронів між Україною та США може сягнути 30 млрд доларів"),
    ({DD}, "Україна обміняє свої дрони на американську зброю: деталі угоди"),
    ({DD}, "Drone deal with the US: Ukraine ready to hand over technology"),
    ({DD}, "Drone Dael with US delayed"),
    ({DD}, "The United States and Ukraine are negotiating a drone agreement worth billions"),
    ({DD}, "Мегаугоду щодо дронів обговорили в Білому домі"),
    (set(), "US Army signs $5 billion drone contract with Anduril"),
    (set(), "Ukraine and Germany agree on long-range drone production"),
    (set(), "США і Тайвань уклали угоду про постачання дронів"),
    (set(), "Польща купуватиме українські дрони, — міністр"),
    (set(), "Drone strike on Odesa: US envoy calls for a ceasefire agreement"),
    ({PURL}, "Sweden pledges $275 million for US weapons package for Ukraine"),
    ({PURL}, "Allies have funded four packages of American equipment for Ukraine, Rutte says"),
    ({PURL}, "Норвегія спрямує 1 млрд крон на закупівлю американської зброї для України"),
    ({PURL}, "Rutte: NATO mechanism to buy US arms for Ukraine has raised $2 billion"),
    ({PURL}, "Латвія приєдналася до механізму закупівлі американської зброї для України"),
    ({PURL}, "Ukraine receives first Patriot missiles paid for by European allies"),
    ({PURL}, "Німеччина оплатить дві системи Patriot для України у США"),
    (set(), "PURL resolvers keep scholarly links alive"),
    (set(), "Use purl to identify your dependencies in CycloneDX"),
    (set(), "US signs $2bn contract for Patriot missiles for the US Army"),
    (set(), "Ukraine to buy Gripen jets from Sweden"),
    # -- A third batch, written after the second round of rules; half of its deal reports
    # were missed then (co-production, sales "to the U.S.", "в нас", the full stops of U.S.)
    ({DD}, "Zelensky says the drone agreement with America could be worth $50 billion"),
    (
        {DD},
        "US Army chief Driscoll: Pentagon interested in Ukraine's drone know-how and production",
    ),
    ({DD}, "Ukraine proposes to co-produce drones with the United States"),
    ({DD}, "Американці можуть закуповувати в нас до 10 мільйонів дронів на рік — Зеленський"),
    ({DD}, "Переговори щодо дронової угоди між Україною та США тривають"),
    ({DD}, "Україна та Америка наблизилися до угоди про безпілотники"),
    ({DD}, "Зеленський і Трамп обговорили постачання українських дронів до Сполучених Штатів"),
    ({DD}, "Kyiv hopes to sell battle-tested drones to the U.S. military"),
    (set(), "US drone maker opens factory in Poland"),
    (set(), "Ukraine to receive more drones from Lithuania under new agreement"),
    (set(), "Британія та Україна підписали угоду про виробництво дронів"),
    (set(), "Росія атакувала Україну 120 дронами; Трамп закликав до мирної угоди"),
    ({PURL}, "Portugal joins NATO scheme to buy US weapons for Ukraine"),
    ({PURL}, "Союзники профінансували ще два пакети американського озброєння для України"),
    ({PURL}, "Ukraine gets Patriot interceptors paid for by Germany and the Netherlands"),
    (set(), "Sweden to donate its own air defence systems to Ukraine"),
    (set(), "Ukraine signs contract to buy French artillery"),
    # -- A fourth batch, written after the third round; kept as found (the deal report that
    # names neither a deal nor a purchase, "Fedorov: …", was missed until the fifth round)
    ({DD}, "Trump: we will buy drones from Ukraine, they make the best drones"),
    ({DD}, "Ukrainian drone industry eyes $30bn deal with Washington"),
    ({DD}, "Fedorov: the US wants our interceptor technology and production capacity"),
    ({DD}, "Україна готує для США пропозицію щодо спільного виробництва безпілотників"),
    ({DD}, "Вашингтон придбає українські дрони — джерела"),
    ({DD}, "Стефанішина: угоду про дрони зі Сполученими Штатами можуть підписати восени"),
    ({DD}, "Угода про постачання дронів США: Умєров назвав терміни"),
    ({PURL}, "Denmark finances $90 million of American air defence for Ukraine under NATO's list"),
    ({PURL}, "Нідерланди оплатять ще один пакет американської зброї для ЗСУ"),
    ({PURL}, "Allies pool funds to buy US-made weapons for Kyiv through NATO"),
    ({PURL}, "Norway to pay for Patriot missiles for Ukraine from US stocks"),
    (set(), "US approves $300 million sale of drones to Morocco"),
    (set(), "Ukraine and Germany sign agreement on joint production of long-range drones"),
    (set(), "Czech-led ammunition initiative delivered 1.5 million shells"),
    (set(), "Пакет допомоги США Україні: Пентагон оголосив нові поставки"),
    (set(), "NATO allies discuss new sanctions on Russian oil"),
    (set(), "The purl.org resolver moves to the Internet Archive"),
    # -- A fifth batch, around the Fedorov miss: the US wanting Ukraine's interceptors, drone
    # technology and production capacity, co-production; none names the deal. The near
    # misses: other countries, American technology for Ukraine, Patriot interceptors.
    ({DD}, "Pentagon wants to buy Ukrainian interceptor drones and the know-how behind them"),
    ({DD}, "Washington seeks access to Ukraine's drone technology, Fedorov says"),
    ({DD}, "American firms could co-produce Ukrainian interceptors in the United States"),
    ({DD}, "US interested in Ukrainian drone technology and joint production, minister says"),
    ({DD}, "Ukraine offers the US its interceptor drone technology in exchange for air defence"),
    ({DD}, "Федоров: США хочуть отримати наші технології дронів-перехоплювачів"),
    ({DD}, "Американці зацікавлені в українських технологіях виробництва дронів"),
    ({DD}, "Україна і США можуть спільно виробляти дрони-перехоплювачі, — Федоров"),
    (
        {DD},
        "Пентагон цікавиться українськими перехоплювачами та нашими виробничими потужностями",
    ),
    ({DD}, "Україна запропонувала Вашингтону технології дронів в обмін на ППО"),
    (set(), "Ukraine wants American interceptor technology for its air defence"),
    (set(), "US to share counter-drone technology with Ukraine"),
    (set(), "Ukraine and Denmark to co-produce interceptor drones"),
    (set(), "Russia seeks Iranian drone technology to scale up Shahed production"),
    (set(), "Ukrainian drone technology on show at a Paris defence fair"),
    (set(), "US Army tests a new interceptor drone developed by a California start-up"),
    (set(), "Britain wants Ukrainian interceptor technology for its own army"),
    (set(), "US and Ukraine discuss joint production of Patriot interceptors"),
    (set(), "Україна хоче отримати американські технології перехоплення ракет"),
    (set(), "Британія інвестує у виробництво українських дронів-перехоплювачів"),
    (set(), "Німеччина та Україна спільно вироблятимуть дрони-перехоплювачі"),
    (set(), "США передадуть Україні технології протидії дронам"),
    (set(), "Американська компанія представила нові дрони-перехоплювачі"),
    (set(), "Українські дрони-перехоплювачі збили 40 шахедів; у США похвалили результат"),
    # -- A sixth batch, written after the fifth round of rules; kept as found (the first,
    # Americans "financing production of our interceptors", was missed until the seventh)
    ({DD}, "Zelensky: Americans are ready to finance production of our interceptors"),
    ({DD}, "US Army wants Ukrainian-made interceptor drones to counter Shaheds in the Middle East"),
    ({DD}, "Kyiv and Washington to set up joint drone production lines in the US"),
    ({DD}, "США розглядають купівлю українських перехоплювачів для захисту своїх баз"),
    (
        {DD},
        "Україна передасть американцям технологію виробництва дронів-перехоплювачів в обмін "
        "на фінансування",
    ),
    ({DD}, "Федоров обговорив з американською делегацією спільне виробництво дронів"),
    (set(), "Pentagon buys more Patriot interceptors from Lockheed Martin"),
    (set(), "Ukraine's interceptor drones downed a record number of Shaheds, Fedorov says"),
    (set(), "Україна та Польща домовилися про спільне виробництво дронів"),
    (set(), "США виділили Україні нові перехоплювачі для Patriot"),
    (set(), "US start-up raises $100 million to build interceptor drones"),
    (set(), "Ukrainian engineers showed their interceptor drones to NATO partners"),
    # -- A seventh batch, around the financing miss: the US paying for the production of
    # Ukraine's own interceptors or drones is the deal (interceptor drones are part of it);
    # the near misses: US money for Patriot interceptors (PURL when allies pay through it),
    # other countries financing our interceptors, the US funding its own production.
    (
        {DD},
        "Зеленський: американці готові фінансувати виробництво наших перехоплювачів",
    ),
    ({DD}, "US ready to fund production of Ukrainian interceptor drones, Zelensky says"),
    ({DD}, "Washington would pay for the manufacture of our interceptors, the President said"),
    ({DD}, "Американці профінансують виробництво українських дронів-перехоплювачів"),
    ({DD}, "США готові інвестувати у виробництво наших перехоплювачів, — Зеленський"),
    ({DD}, "Trump administration to finance production of Ukrainian drones, Kyiv says"),
    (
        {DD},
        "Zelensky: the Americans will finance it\n\nThe US is ready to finance the production "
        "of our interceptors, the President said after the talks.",
    ),
    ({PURL}, "US financing of Patriot interceptor missiles for Ukraine goes through PURL"),
    (
        {PURL},
        "Allies to finance more American Patriot interceptors for Ukraine under NATO's list",
    ),
    (set(), "Germany is ready to finance production of our interceptors, Zelensky says"),
    (set(), "Зеленський: Данія фінансуватиме виробництво наших дронів-перехоплювачів"),
    (set(), "Americans are ready to finance production of Patriot interceptor missiles"),
    (set(), "Pentagon to fund production of American interceptor drones at home"),
    (set(), "США профінансують виробництво ракет-перехоплювачів для Patriot"),
    (set(), "Zelensky thanked Americans for Patriot interceptors and our air defence crews"),
]
