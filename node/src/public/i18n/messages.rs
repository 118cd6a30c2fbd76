//! The words of the site's interface in each of its languages: one entry per string, in the
//! order of [`Lang::ALL`] (English, French, Spanish, Portuguese, Arabic). `{0}`, `{1}` mark
//! what [`super::Reader::fill`] puts in. Names of countries and languages, dates and numbers
//! are not here: they come from CLDR.

use super::Lang;

macro_rules! messages {
    ($($(#[$doc:meta])* $name:ident => [$en:expr, $fr:expr, $es:expr, $pt:expr, $ar:expr $(,)?],)*) => {
        /// A string of the interface.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Msg {
            $($(#[$doc])* $name,)*
        }

        impl Msg {
            /// Every string, for the test that each language has each.
            #[cfg(test)]
            pub(crate) const ALL: &[Msg] = &[$(Msg::$name,)*];

            fn texts(self) -> [&'static str; 5] {
                match self {
                    $(Msg::$name => [$en, $fr, $es, $pt, $ar],)*
                }
            }
        }
    };
}

impl Msg {
    /// The string in `lang`.
    pub(crate) fn text(self, lang: Lang) -> &'static str {
        self.texts()[lang.index()]
    }
}

messages! {
    SkipToMain => ["Skip to main content", "Aller au contenu principal", "Ir al contenido principal", "Ir para o conteúdo principal", "انتقل إلى المحتوى الرئيسي"],
    MainMenu => ["Main", "Principal", "Principal", "Principal", "الرئيسية"],
    LanguageMenu => ["Language", "Langue", "Idioma", "Idioma", "اللغة"],
    Visits => ["Country visits", "Visites de pays", "Visitas a países", "Visitas a países", "الزيارات القطرية"],
    Calendar => ["Calendar", "Calendrier", "Calendario", "Calendário", "التقويم"],
    Reports => ["Reports", "Rapports", "Informes", "Relatórios", "التقارير"],
    Contacts => ["Contacts", "Contacts", "Contactos", "Contatos", "جهات الاتصال"],
    Search => ["Search", "Recherche", "Buscar", "Pesquisar", "بحث"],
    Deadlines => ["Deadlines", "Échéances", "Plazos", "Prazos", "المواعيد النهائية"],
    Footer => [
        "Public items of the Liaison federation. Every item is signed by the secretariat that published it; each item's page links to its provenance.",
        "Éléments publics de la fédération Liaison. Chaque élément est signé par le secrétariat qui l'a publié ; la page de chaque élément renvoie à sa provenance.",
        "Elementos públicos de la federación Liaison. Cada elemento está firmado por la secretaría que lo publicó; la página de cada elemento enlaza con su procedencia.",
        "Itens públicos da federação Liaison. Cada item é assinado pelo secretariado que o publicou; a página de cada item leva à sua proveniência.",
        "عناصر عامة لاتحاد Liaison. كل عنصر موقّع من الأمانة التي نشرته؛ وتحيل صفحة كل عنصر إلى مصدره.",
    ],
    HomeTitle => [
        "Country visits, calls for input, sessions and reports",
        "Visites de pays, appels à contributions, sessions et rapports",
        "Visitas a países, convocatorias de aportaciones, sesiones e informes",
        "Visitas a países, chamadas de contribuições, sessões e relatórios",
        "الزيارات القطرية ودعوات تقديم المساهمات والدورات والتقارير",
    ],
    CallsForInput => ["Calls for input", "Appels à contributions", "Convocatorias de aportaciones", "Chamadas de contribuições", "دعوات تقديم المساهمات"],
    NoOpenCalls => ["No open calls for input.", "Aucun appel à contributions ouvert.", "No hay convocatorias abiertas.", "Nenhuma chamada aberta.", "لا توجد دعوات مفتوحة لتقديم المساهمات."],
    By => ["By {0}", "Avant le {0}", "Hasta el {0}", "Até {0}", "قبل {0}"],
    SubmitInput => ["submit input", "contribuer", "enviar aportaciones", "enviar contribuições", "قدّم مساهمة"],
    UpcomingVisits => ["Upcoming country visits", "Prochaines visites de pays", "Próximas visitas a países", "Próximas visitas a países", "الزيارات القطرية المقبلة"],
    AllUpcomingVisits => ["All upcoming visits", "Toutes les prochaines visites", "Todas las próximas visitas", "Todas as próximas visitas", "جميع الزيارات المقبلة"],
    Events => ["Sessions and events", "Sessions et événements", "Sesiones y eventos", "Sessões e eventos", "الدورات والفعاليات"],
    UpcomingEvents => ["Upcoming sessions and events", "Prochaines sessions et prochains événements", "Próximas sesiones y eventos", "Próximas sessões e eventos", "الدورات والفعاليات المقبلة"],
    AllUpcomingEvents => ["All upcoming sessions and events", "Toutes les prochaines sessions et prochains événements", "Todas las próximas sesiones y eventos", "Todas as próximas sessões e eventos", "جميع الدورات والفعاليات المقبلة"],
    LatestReports => ["Latest reports", "Derniers rapports", "Últimos informes", "Relatórios mais recentes", "أحدث التقارير"],
    AllReports => ["All reports", "Tous les rapports", "Todos los informes", "Todos os relatórios", "جميع التقارير"],
    ByCountry => ["By country", "Par pays", "Por país", "Por país", "حسب البلد"],
    ContactsTitle => ["Contacts of the secretariats", "Contacts des secrétariats", "Contactos de las secretarías", "Contatos dos secretariados", "جهات الاتصال في الأمانات"],
    Subscribe => ["Subscribe", "S'abonner", "Suscribirse", "Assinar", "اشترك"],
    AddCalendar => ["Add the calendar to your calendar app", "Ajouter le calendrier à votre agenda", "Añadir el calendario a su aplicación de calendario", "Adicionar o calendário ao seu aplicativo de agenda", "أضف التقويم إلى تطبيق التقويم لديك"],
    DownloadIcs => ["or download it as iCalendar", "ou le télécharger au format iCalendar", "o descargarlo en formato iCalendar", "ou baixá-lo em formato iCalendar", "أو نزّله بصيغة iCalendar"],
    CalendarFeed => ["Calendar (iCalendar)", "Calendrier (iCalendar)", "Calendario (iCalendar)", "Calendário (iCalendar)", "التقويم (iCalendar)"],
    DeadlinesFeed => ["Deadlines of calls for input (iCalendar)", "Échéances des appels à contributions (iCalendar)", "Plazos de las convocatorias (iCalendar)", "Prazos das chamadas (iCalendar)", "المواعيد النهائية لدعوات المساهمات (iCalendar)"],
    ReportsFeed => ["Reports (Atom feed)", "Rapports (flux Atom)", "Informes (canal Atom)", "Relatórios (feed Atom)", "التقارير (موجز Atom)"],
    EveryItemJson => ["Every item (JSON)", "Tous les éléments (JSON)", "Todos los elementos (JSON)", "Todos os itens (JSON)", "جميع العناصر (JSON)"],
    NothingYet => ["Nothing here yet.", "Rien pour l'instant.", "Todavía no hay nada.", "Ainda não há nada.", "لا شيء هنا بعد."],
    NextPage => ["Next page", "Page suivante", "Página siguiente", "Próxima página", "الصفحة التالية"],
    Filter => ["Filter", "Filtrer", "Filtrar", "Filtrar", "تصفية"],
    CountryCode => ["Country code", "Code pays", "Código de país", "Código do país", "رمز البلد"],
    Mechanism => ["Mechanism", "Mécanisme", "Mecanismo", "Mecanismo", "الآلية"],
    From => ["From", "Du", "Desde", "De", "من"],
    To => ["To", "Au", "Hasta", "Até", "إلى"],
    Dates => ["Dates", "Dates", "Fechas", "Datas", "التواريخ"],
    Visit => ["Visit", "Visite", "Visita", "Visita", "الزيارة"],
    Mandate => ["Mandate", "Mandat", "Mandato", "Mandato", "الولاية"],
    Country => ["Country", "Pays", "País", "País", "البلد"],
    Status => ["Status", "Statut", "Estado", "Situação", "الحالة"],
    Event => ["Event", "Événement", "Evento", "Evento", "الفعالية"],
    Category => ["Category", "Catégorie", "Categoría", "Categoria", "الفئة"],
    Place => ["Place", "Lieu", "Lugar", "Local", "المكان"],
    Issued => ["Issued", "Publié le", "Publicado el", "Publicado em", "تاريخ الصدور"],
    Report => ["Report", "Rapport", "Informe", "Relatório", "التقرير"],
    Symbol => ["Symbol", "Cote", "Signatura", "Símbolo", "الرمز"],
    Type => ["Type", "Type", "Tipo", "Tipo", "النوع"],
    Countries => ["Countries", "Pays", "Países", "Países", "البلدان"],
    Contact => ["Contact", "Contact", "Contacto", "Contato", "جهة الاتصال"],
    Role => ["Role", "Rôle", "Función", "Função", "الدور"],
    Unit => ["Unit", "Service", "Unidad", "Unidade", "الوحدة"],
    Covers => ["Covers", "Couvre", "Abarca", "Abrange", "يغطي"],
    Places => ["Places", "Lieux", "Lugares", "Locais", "الأماكن"],
    Summary => ["Summary", "Résumé", "Resumen", "Resumo", "الملخص"],
    Themes => ["Themes", "Thèmes", "Temas", "Temas", "المواضيع"],
    Links => ["Links", "Liens", "Enlaces", "Links", "الروابط"],
    PublishedBy => ["Published by", "Publié par", "Publicado por", "Publicado por", "الناشر"],
    LastUpdated => ["Last updated", "Dernière mise à jour", "Última actualización", "Última atualização", "آخر تحديث"],
    UndisclosedState => ["An undisclosed State", "Un État non divulgué", "Un Estado no revelado", "Um Estado não divulgado", "دولة غير مُعلنة"],
    DatesToBeAgreed => ["dates to be agreed", "dates à convenir", "fechas por acordar", "datas a combinar", "مواعيد يُتفق عليها"],
    Span => ["{0} to {1}", "du {0} au {1}", "del {0} al {1}", "de {0} a {1}", "من {0} إلى {1}"],
    KindVisit => ["Country visit", "Visite de pays", "Visita a un país", "Visita a país", "زيارة قطرية"],
    KindEvent => ["Event", "Événement", "Evento", "Evento", "فعالية"],
    KindReport => ["Report", "Rapport", "Informe", "Relatório", "تقرير"],
    KindContact => ["Contact", "Contact", "Contacto", "Contato", "جهة اتصال"],
    KindProposal => ["Proposal", "Proposition", "Propuesta", "Proposta", "اقتراح"],
    PublishedByOwner => ["{0} published by", "{0} publié par", "{0} publicado por", "{0} publicado por", "{0} نشرته"],
    TitleFallback => [
        "Title shown in {0}; not available in {1}.",
        "Titre affiché en {0} ; non disponible en {1}.",
        "Título mostrado en {0}; no disponible en {1}.",
        "Título exibido em {0}; não disponível em {1}.",
        "العنوان معروض باللغة {0}؛ غير متاح باللغة {1}.",
    ],
    SummaryFallback => [
        "Summary shown in {0}; not available in {1}.",
        "Résumé affiché en {0} ; non disponible en {1}.",
        "Resumen mostrado en {0}; no disponible en {1}.",
        "Resumo exibido em {0}; não disponível em {1}.",
        "الملخص معروض باللغة {0}؛ غير متاح باللغة {1}.",
    ],
    PastVisits => ["Past visits", "Visites passées", "Visitas anteriores", "Visitas anteriores", "الزيارات السابقة"],
    PlannedVisits => ["Planned and upcoming visits", "Visites prévues et à venir", "Visitas previstas y próximas", "Visitas previstas e próximas", "الزيارات المقررة والمقبلة"],
    ContactsCovering => ["Contacts covering {0}", "Contacts couvrant : {0}", "Contactos para {0}", "Contatos para {0}", "جهات الاتصال المعنية بـ{0}"],
    AllOfThem => ["All of them", "Tout", "Todo", "Tudo", "الكل"],
    WordsToSearch => ["Words to search for", "Mots à rechercher", "Palabras que buscar", "Palavras a pesquisar", "الكلمات المراد البحث عنها"],
    Kind => ["Kind", "Genre", "Clase", "Tipo", "النوع"],
    AnyKind => ["Any kind", "Tous genres", "Cualquier clase", "Qualquer tipo", "أي نوع"],
    NoMatch => ["No public item matches", "Aucun élément public ne correspond", "Ningún elemento público coincide", "Nenhum item público corresponde", "لا يوجد عنصر عام مطابق"],
    Found => ["Found: {0}", "Trouvés : {0}", "Encontrados: {0}", "Encontrados: {0}", "النتائج: {0}"],
    Provenance => ["Provenance", "Provenance", "Procedencia", "Proveniência", "المصدر"],
    StatusHistory => ["Status history", "Historique des statuts", "Historial de estados", "Histórico de situações", "سجل الحالات"],
    LanguageVersions => ["Language versions", "Versions linguistiques", "Versiones lingüísticas", "Versões linguísticas", "النسخ اللغوية"],
    JointWith => ["Joint with", "Conjointe avec", "Conjunta con", "Conjunta com", "مشتركة مع"],
    JointVisitOf => ["A joint visit of {0}.", "Une visite conjointe de : {0}.", "Una visita conjunta de: {0}.", "Uma visita conjunta de: {0}.", "زيارة مشتركة لكل من: {0}."],
    Session => ["Session", "Session", "Sesión", "Sessão", "الدورة"],
    Related => ["Related", "Éléments liés", "Relacionado", "Relacionado", "ذو صلة"],
    OnTheVisit => ["On the visit", "Sur la visite", "Sobre la visita", "Sobre a visita", "عن الزيارة"],
    NoFileYet => ["No file is published yet.", "Aucun fichier n'est encore publié.", "Todavía no se ha publicado ningún archivo.", "Nenhum arquivo publicado ainda.", "لم يُنشر أي ملف بعد."],
    Function => ["Function", "Fonction", "Cargo", "Função", "المهمة"],
    Name => ["Name", "Nom", "Nombre", "Nome", "الاسم"],
    Email => ["E-mail", "Courriel", "Correo electrónico", "E-mail", "البريد الإلكتروني"],
    Telephone => ["Telephone", "Téléphone", "Teléfono", "Telefone", "الهاتف"],
    ThemesCovered => ["Themes covered", "Thèmes couverts", "Temas abarcados", "Temas abrangidos", "المواضيع المشمولة"],
    Valid => ["Valid", "Valable", "Vigente", "Válido", "صالح"],
    ValidFrom => ["from {0}", "à partir du {0}", "desde el {0}", "a partir de {0}", "اعتبارًا من {0}"],
    ValidUntil => ["until {0}", "jusqu'au {0}", "hasta el {0}", "até {0}", "حتى {0}"],
    Revision => ["revision {0}", "révision {0}", "revisión {0}", "revisão {0}", "المراجعة {0}"],
    Starting => ["Starting: not in touch with the members yet.", "Démarrage : pas encore en contact avec les membres.", "Iniciando: aún sin contacto con los miembros.", "Iniciando: ainda sem contato com os membros.", "قيد التشغيل: لا اتصال بالأعضاء بعد."],
    FollowsNone => ["This site follows no member node.", "Ce site ne suit aucun nœud membre.", "Este sitio no sigue ningún nodo miembro.", "Este site não acompanha nenhum nó membro.", "لا يتابع هذا الموقع أي عقدة عضو."],
    LastHeard => ["When this site last heard from each member:", "Dernières nouvelles de chaque membre reçues par ce site :", "Última vez que este sitio tuvo noticias de cada miembro:", "Última vez que este site recebeu notícias de cada membro:", "آخر مرة تلقى فيها هذا الموقع أخبارًا من كل عضو:"],
    NotSinceStart => ["not since this site started", "pas depuis le démarrage du site", "no desde que se inició el sitio", "não desde o início do site", "لا شيء منذ بدء تشغيل الموقع"],
    Connected => ["connected", "connecté", "conectado", "conectado", "متصل"],
    NotConnected => ["not connected now", "non connecté", "no conectado ahora", "não conectado agora", "غير متصل الآن"],
    JustNow => ["just now", "à l'instant", "ahora mismo", "agora mesmo", "الآن"],
    MinutesAgo => ["{0} min ago", "il y a {0} min", "hace {0} min", "há {0} min", "منذ {0} دقيقة"],
    HoursAgo => ["{0} h ago", "il y a {0} h", "hace {0} h", "há {0} h", "منذ {0} ساعة"],
    DaysAgo => ["{0} d ago", "il y a {0} j", "hace {0} d", "há {0} d", "منذ {0} يوم"],
    CreatedBy => ["Created by the {0} node with key", "Créé par le nœud de {0}, clé", "Creado por el nodo de {0}, clave", "Criado pelo nó de {0}, chave", "أنشأته عقدة {0} بالمفتاح"],
    SignedFiles => ["Signed header, document and signatures (JSON)", "En-tête signé, document et signatures (JSON)", "Encabezado firmado, documento y firmas (JSON)", "Cabeçalho assinado, documento e assinaturas (JSON)", "الترويسة الموقعة والوثيقة والتوقيعات (JSON)"],
    CannotRun => ["This search cannot be run:", "Cette recherche ne peut pas être lancée :", "Esta búsqueda no se puede realizar:", "Esta pesquisa não pode ser feita:", "لا يمكن إجراء هذا البحث:"],
    PreviousPage => ["Previous page", "Page précédente", "Página anterior", "Página anterior", "الصفحة السابقة"],
    ResultPages => ["Result pages", "Pages de résultats", "Páginas de resultados", "Páginas de resultados", "صفحات النتائج"],
    Recommendations => ["Recommendations", "Recommandations", "Recomendaciones", "Recomendações", "التوصيات"],
    KindRecommendation => ["Recommendation", "Recommandation", "Recomendación", "Recomendação", "توصية"],
    RecommendationsTo => ["Recommendations to {0}", "Recommandations adressées à : {0}", "Recomendaciones dirigidas a {0}", "Recomendações dirigidas a {0}", "التوصيات الموجهة إلى {0}"],
    RecommendationsByTheme => [
        "Recommendations to {0}, by theme, those that say the same thing together",
        "Recommandations adressées à : {0}, par thème, celles qui disent la même chose regroupées",
        "Recomendaciones dirigidas a {0}, por tema, agrupadas las que dicen lo mismo",
        "Recomendações dirigidas a {0}, por tema, agrupadas as que dizem o mesmo",
        "التوصيات الموجهة إلى {0} حسب الموضوع، مع جمع التوصيات المتشابهة في المضمون",
    ],
    MatrixIntro => [
        "Recommendations of every mechanism, by theme. Those that say the same thing (close wording) are grouped together.",
        "Recommandations de tous les mécanismes, par thème. Celles qui disent la même chose (formulation proche) sont regroupées.",
        "Recomendaciones de todos los mecanismos, por tema. Las que dicen lo mismo (redacción similar) aparecen agrupadas.",
        "Recomendações de todos os mecanismos, por tema. As que dizem o mesmo (redação próxima) aparecem agrupadas.",
        "توصيات جميع الآليات حسب الموضوع. وتُجمع التوصيات التي تقول الشيء نفسه (بصياغة متقاربة).",
    ],
    AsJson => ["As JSON", "En JSON", "En JSON", "Em JSON", "بصيغة JSON"],
    NoRecommendationYet => ["No public recommendation yet.", "Aucune recommandation publique pour l'instant.", "Todavía no hay ninguna recomendación pública.", "Ainda não há nenhuma recomendação pública.", "لا توجد توصية علنية بعد."],
    ImplementationIs => ["implementation: {0}", "mise en œuvre : {0}", "aplicación: {0}", "implementação: {0}", "التنفيذ: {0}"],
    Date => ["Date", "Date", "Fecha", "Data", "التاريخ"],
    Body => ["Body", "Organe", "Órgano", "Órgão", "الهيئة"],
    Document => ["Document", "Document", "Documento", "Documento", "الوثيقة"],
    Implementation => ["Implementation", "Mise en œuvre", "Aplicación", "Implementação", "التنفيذ"],
    Paragraph => ["{0}, para. {1}", "{0}, par. {1}", "{0}, párr. {1}", "{0}, par. {1}", "{0}، الفقرة {1}"],
    RecommendedBy => ["Recommended by", "Recommandée par", "Recomendada por", "Recomendada por", "صادرة عن"],
    Published => ["Published", "Publiée le", "Publicada el", "Publicada em", "تاريخ النشر"],
    RecommendingStates => ["Recommending States", "États auteurs de la recommandation", "Estados que recomiendan", "Estados recomendantes", "الدول المقدِّمة للتوصية"],
    UprSession => ["UPR session", "Session de l'EPU", "Período de sesiones del EPU", "Sessão da RPU", "دورة الاستعراض الدوري الشامل"],
    StatePosition => ["Position of the State", "Position de l'État", "Posición del Estado", "Posição do Estado", "موقف الدولة"],
    AffectedPersons => ["Affected persons", "Personnes concernées", "Personas afectadas", "Pessoas afetadas", "الأشخاص المعنيون"],
    SdgTargets => ["SDG targets", "Cibles des ODD", "Metas de los ODS", "Metas dos ODS", "غايات أهداف التنمية المستدامة"],
    AssessedOn => ["{0}, as {1} assessed it on {2}", "{0}, selon l'évaluation de {1} du {2}", "{0}, según la evaluación de {1} del {2}", "{0}, segundo a avaliação de {1} em {2}", "{0}، وفق تقييم {1} بتاريخ {2}"],
    Uhri => ["Universal Human Rights Index", "Index universel des droits de l'homme", "Índice Universal de los Derechos Humanos", "Índice Universal dos Direitos Humanos", "الفهرس العالمي لحقوق الإنسان"],
    Annotation => ["annotation {0}", "annotation {0}", "anotación {0}", "anotação {0}", "الشرح {0}"],
    OtherLanguages => ["Other languages", "Autres langues", "Otros idiomas", "Outros idiomas", "لغات أخرى"],
    FollowUp => ["Follow-up", "Suivi", "Seguimiento", "Acompanhamento", "المتابعة"],
    NoAssessmentYet => ["No assessment of its implementation yet.", "Aucune évaluation de sa mise en œuvre pour l'instant.", "Todavía no hay ninguna evaluación de su aplicación.", "Ainda não há avaliação da sua implementação.", "لا يوجد تقييم لتنفيذها بعد."],
    AssessedBy => ["{0}, by {1}", "{0}, par {1}", "{0}, por {1}", "{0}, por {1}", "{0}، من قِبل {1}"],
    Source => ["source", "source", "fuente", "fonte", "المصدر"],
}

/// The data model's words (statuses, types, categories, roles) as a reader reads them, by the
/// word itself (`dates_proposed`), in the order of [`Lang::ALL`]. A word shared by several
/// kinds (`cancelled`, `other`) reads the same in each.
const WORDS: &[(&str, [&str; 5])] = &[
    // Visit statuses.
    ("requested", ["Requested", "Demandée", "Solicitada", "Solicitada", "مطلوبة"]),
    (
        "reminder_sent",
        [
            "Reminder sent",
            "Rappel envoyé",
            "Recordatorio enviado",
            "Lembrete enviado",
            "أُرسل تذكير",
        ],
    ),
    ("invited", ["Invited", "Invitée", "Invitada", "Convidada", "تمت الدعوة"]),
    (
        "acknowledged",
        [
            "Acknowledged",
            "Accusé de réception",
            "Acuse de recibo",
            "Recebimento confirmado",
            "تم الإقرار",
        ],
    ),
    ("accepted", ["Accepted", "Acceptée", "Aceptada", "Aceita", "مقبولة"]),
    (
        "dates_proposed",
        [
            "Dates proposed",
            "Dates proposées",
            "Fechas propuestas",
            "Datas propostas",
            "تواريخ مقترحة",
        ],
    ),
    ("scheduled", ["Scheduled", "Programmée", "Programada", "Agendada", "مجدولة"]),
    ("underway", ["Under way", "En cours", "En curso", "Em curso", "جارية"]),
    ("completed", ["Completed", "Terminée", "Finalizada", "Concluída", "مكتملة"]),
    ("postponed", ["Postponed", "Reportée", "Aplazada", "Adiada", "مؤجلة"]),
    ("declined", ["Declined", "Refusée", "Rechazada", "Recusada", "مرفوضة"]),
    ("cancelled", ["Cancelled", "Annulé", "Cancelado", "Cancelado", "ملغاة"]),
    // Visit types.
    ("official", ["Official", "Officielle", "Oficial", "Oficial", "رسمية"]),
    ("follow_up", ["Follow-up", "De suivi", "De seguimiento", "De acompanhamento", "متابعة"]),
    ("promotional", ["Promotional", "De promotion", "De promoción", "De promoção", "ترويجية"]),
    ("in_loco", ["In loco", "In loco", "In loco", "In loco", "ميدانية"]),
    ("working", ["Working", "De travail", "De trabajo", "De trabalho", "عمل"]),
    ("periodic", ["Periodic", "Périodique", "Periódica", "Periódica", "دورية"]),
    ("ad_hoc", ["Ad hoc", "Ad hoc", "Ad hoc", "Ad hoc", "مخصصة"]),
    ("joint", ["Joint", "Conjointe", "Conjunta", "Conjunta", "مشتركة"]),
    ("other", ["Other", "Autre", "Otro", "Outro", "أخرى"]),
    // Event categories and statuses.
    ("session", ["Session", "Session", "Sesión", "Sessão", "دورة"]),
    ("meeting", ["Meeting", "Réunion", "Reunión", "Reunião", "اجتماع"]),
    ("hearing", ["Hearing", "Audience", "Audiencia", "Audiência", "جلسة استماع"]),
    ("deadline", ["Deadline", "Échéance", "Plazo", "Prazo", "موعد نهائي"]),
    ("launch", ["Launch", "Lancement", "Presentación", "Lançamento", "إطلاق"]),
    ("tentative", ["Tentative", "Provisoire", "Provisional", "Provisório", "مبدئية"]),
    ("confirmed", ["Confirmed", "Confirmé", "Confirmado", "Confirmado", "مؤكدة"]),
    // Report types.
    (
        "mission_report",
        [
            "Mission report",
            "Rapport de mission",
            "Informe de misión",
            "Relatório de missão",
            "تقرير بعثة",
        ],
    ),
    (
        "end_of_visit_statement",
        [
            "End-of-visit statement",
            "Déclaration de fin de visite",
            "Declaración de fin de visita",
            "Declaração de fim de visita",
            "بيان نهاية الزيارة",
        ],
    ),
    (
        "press_release",
        [
            "Press release",
            "Communiqué de presse",
            "Comunicado de prensa",
            "Comunicado de imprensa",
            "بيان صحفي",
        ],
    ),
    (
        "concluding_observations",
        [
            "Concluding observations",
            "Observations finales",
            "Observaciones finales",
            "Observações finais",
            "ملاحظات ختامية",
        ],
    ),
    (
        "annual_report",
        ["Annual report", "Rapport annuel", "Informe anual", "Relatório anual", "تقرير سنوي"],
    ),
    (
        "thematic_report",
        [
            "Thematic report",
            "Rapport thématique",
            "Informe temático",
            "Relatório temático",
            "تقرير مواضيعي",
        ],
    ),
    ("decision", ["Decision", "Décision", "Decisión", "Decisão", "قرار"]),
    // Contact roles.
    ("focal_point", ["Focal point", "Point focal", "Punto focal", "Ponto focal", "جهة تنسيق"]),
    ("secretary", ["Secretary", "Secrétaire", "Secretario", "Secretário", "أمين"]),
    (
        "desk_officer",
        [
            "Desk officer",
            "Chargé de dossier",
            "Oficial de país",
            "Oficial responsável",
            "موظف مكتب",
        ],
    ),
    ("press", ["Press", "Presse", "Prensa", "Imprensa", "الصحافة"]),
    // Implementation of recommendations, and a State's position on a UPR recommendation.
    (
        "not_implemented",
        ["Not implemented", "Non mise en œuvre", "No aplicada", "Não implementada", "غير منفذة"],
    ),
    (
        "partially_implemented",
        [
            "Partially implemented",
            "Partiellement mise en œuvre",
            "Parcialmente aplicada",
            "Parcialmente implementada",
            "منفذة جزئيًا",
        ],
    ),
    ("implemented", ["Implemented", "Mise en œuvre", "Aplicada", "Implementada", "منفذة"]),
    (
        "no_information",
        [
            "No information",
            "Aucune information",
            "Sin información",
            "Sem informação",
            "لا توجد معلومات",
        ],
    ),
    ("supported", ["Supported", "Acceptée", "Apoyada", "Apoiada", "مؤيَّدة"]),
    ("noted", ["Noted", "Prise en note", "Tomada en consideración", "Anotada", "أُحيط علمًا بها"]),
];

/// The data model's `word` in `lang`, if the table has it.
pub(crate) fn word(word: &str, lang: Lang) -> Option<&'static str> {
    WORDS.iter().find(|(w, _)| *w == word).map(|(_, texts)| texts[lang.index()])
}
