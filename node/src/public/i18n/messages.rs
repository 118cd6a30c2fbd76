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
    CalendarFeed => ["Calendar (iCalendar)", "Calendrier (iCalendar)", "Calendario (iCalendar)", "Calendário (iCalendar)", "التقويم (iCalendar)"],
    DeadlinesFeed => ["Deadlines of calls for input (iCalendar)", "Échéances des appels à contributions (iCalendar)", "Plazos de las convocatorias (iCalendar)", "Prazos das chamadas (iCalendar)", "المواعيد النهائية لدعوات المساهمات (iCalendar)"],
    ReportsFeed => ["Reports (Atom feed)", "Rapports (flux Atom)", "Informes (canal Atom)", "Relatórios (feed Atom)", "التقارير (موجز Atom)"],
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
}
