//! A UHRI-shaped export for figure 9, made deterministically: the export's real columns
//! ("Reccomending Body" as OHCHR spells it), multi-value cells ("- " before each value, one a
//! line), Excel date serials, countries by their English names with a skew like the index's
//! (the largest country holds about 1.7% of the rows, the smallest about 0.3%), and texts of
//! 80 to 600 characters built from recurring issues, openers and clauses, so that
//! recommendations on one issue to one country say nearly the same thing and cluster.

use std::io::Write as _;
use std::path::Path;

use chrono::{Days, NaiveDate};
use liaison_node::uhri::{COLUMNS, excel_serial};
use liaison_protocol::CountryCode;
use rust_xlsxwriter::{Format, Workbook};

use super::Res;

/// A small deterministic generator (xorshift64*), so every run writes the same file.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, from: &'a [T]) -> &'a T {
        &from[self.below(from.len())]
    }
}

/// Issues: the themes they fall under (indexes into [`THEMES`]) and ways of saying them.
const ISSUES: &[(&[usize], &[&str])] = &[
    (
        &[0, 1],
        &[
            "amend the Criminal Code so that the definition of torture is in full conformity with article 1 of the Convention",
            "bring the definition of torture in domestic legislation into line with article 1 of the Convention against Torture",
        ],
    ),
    (
        &[0, 2],
        &[
            "guarantee prompt access to a lawyer for all persons deprived of their liberty from the outset of detention",
            "ensure that all detainees are afforded fundamental legal safeguards, including access to a lawyer from the outset of police custody",
        ],
    ),
    (
        &[3],
        &[
            "reduce overcrowding in prisons and improve conditions of detention",
            "improve material conditions in places of detention and address prison overcrowding, including through alternatives to imprisonment",
        ],
    ),
    (
        &[0, 4],
        &[
            "ensure that the national preventive mechanism has unimpeded access to all places of deprivation of liberty without prior notice",
            "establish an independent national preventive mechanism with sufficient resources to carry out its mandate",
        ],
    ),
    (
        &[5, 0],
        &[
            "ratify the Optional Protocol to the Convention against Torture",
            "consider ratifying the Optional Protocol to the Convention against Torture and Other Cruel, Inhuman or Degrading Treatment or Punishment",
        ],
    ),
    (
        &[6, 5],
        &[
            "abolish the death penalty and ratify the Second Optional Protocol to the International Covenant on Civil and Political Rights",
            "establish an official moratorium on executions with a view to abolishing the death penalty",
        ],
    ),
    (
        &[4],
        &[
            "strengthen the independence of the national human rights institution in line with the Paris Principles",
            "provide the national human rights institution with adequate financial and human resources to fulfil its mandate in accordance with the Paris Principles",
        ],
    ),
    (
        &[7, 8],
        &[
            "protect human rights defenders and journalists from harassment, intimidation and reprisals",
            "investigate all attacks against human rights defenders and journalists and bring the perpetrators to justice",
        ],
    ),
    (
        &[8],
        &[
            "repeal provisions of the Criminal Code that criminalize defamation and unduly restrict freedom of expression",
            "guarantee freedom of expression online and offline and refrain from blocking websites and social media",
        ],
    ),
    (
        &[9],
        &[
            "guarantee the right to peaceful assembly and ensure that law enforcement officials do not use excessive force against demonstrators",
            "review legislation on public gatherings to bring it into line with international standards on freedom of peaceful assembly",
        ],
    ),
    (
        &[10],
        &[
            "remove undue restrictions on the registration, operation and funding of non-governmental organizations",
            "ensure an enabling environment for civil society organizations, free from undue restrictions on their funding",
        ],
    ),
    (
        &[11, 12],
        &[
            "adopt comprehensive legislation criminalizing all forms of violence against women, including marital rape",
            "ensure that victims of gender-based violence have access to shelters, legal aid and effective remedies",
        ],
    ),
    (
        &[13, 11],
        &[
            "raise the minimum age of marriage to 18 years for both girls and boys and enforce it",
            "eliminate child, early and forced marriage and raise awareness of its harmful effects",
        ],
    ),
    (
        &[14, 13],
        &[
            "ensure free and universal birth registration, including for children born to refugee and migrant parents",
            "accede to the Convention relating to the Status of Stateless Persons and the Convention on the Reduction of Statelessness",
        ],
    ),
    (
        &[13],
        &[
            "prohibit corporal punishment of children in all settings, including in the home",
            "raise the minimum age of criminal responsibility and ensure that the detention of children is a measure of last resort",
        ],
    ),
    (
        &[15],
        &[
            "ensure access to free and compulsory primary education for all children, including children with disabilities",
            "increase the budget allocated to education and improve the quality of teaching in rural areas",
        ],
    ),
    (
        &[16],
        &[
            "improve access to health care services, in particular maternal health care in rural areas",
            "ensure universal access to sexual and reproductive health services and information",
        ],
    ),
    (
        &[17],
        &[
            "adopt a national strategy on the rights of persons with disabilities and guarantee reasonable accommodation",
            "ratify the Convention on the Rights of Persons with Disabilities and its Optional Protocol",
        ],
    ),
    (
        &[18],
        &[
            "ensure that migrants and asylum seekers are not detained solely on account of their migration status",
            "respect the principle of non-refoulement and establish a fair and efficient asylum procedure",
        ],
    ),
    (
        &[19, 18],
        &[
            "strengthen efforts to combat trafficking in persons, prosecute traffickers and protect victims",
            "adopt a national action plan against trafficking in persons and provide assistance to victims",
        ],
    ),
    (
        &[20, 12],
        &[
            "adopt comprehensive anti-discrimination legislation covering all grounds, including sexual orientation and gender identity",
            "combat discrimination against minorities and indigenous peoples in access to employment and public services",
        ],
    ),
    (
        &[2],
        &[
            "guarantee the independence of the judiciary and ensure the security of tenure of judges",
            "reform the military justice system so that civilians are not tried before military courts",
        ],
    ),
    (
        &[21, 5],
        &[
            "ratify the International Convention for the Protection of All Persons from Enforced Disappearance",
            "investigate all cases of enforced disappearance and inform families of the fate and whereabouts of their relatives",
        ],
    ),
    (
        &[0, 22],
        &[
            "investigate promptly and impartially all allegations of torture and ill-treatment by law enforcement officials and prosecute those responsible",
            "ensure that all complaints of torture are investigated by an independent body and that victims obtain redress",
        ],
    ),
    (
        &[23],
        &[
            "ensure that counter-terrorism legislation complies with international human rights law and is not used to target peaceful dissent",
        ],
    ),
    (
        &[24],
        &[
            "prevent forced evictions and provide adequate alternative housing to all those affected",
        ],
    ),
    (
        &[25, 13],
        &["eliminate child labour and strengthen labour inspections in the informal sector"],
    ),
    (
        &[26],
        &[
            "extend a standing invitation to all special procedures of the Human Rights Council",
            "respond positively to pending requests for visits by the special procedures",
        ],
    ),
    (
        &[26],
        &[
            "submit its overdue reports to the treaty bodies and strengthen its national mechanism for reporting and follow-up",
        ],
    ),
    (
        &[27],
        &[
            "integrate human rights education into school curricula and into the training of law enforcement officials",
        ],
    ),
    (
        &[11],
        &[
            "increase the representation of women in parliament, the government and the judiciary, including through temporary special measures",
        ],
    ),
    (
        &[28],
        &[
            "integrate a human rights-based approach into climate change adaptation and disaster risk reduction policies",
            "strengthen social protection programmes to reduce poverty, in particular among women and children",
        ],
    ),
];

/// UHRI's themes, as it names them.
const THEMES: &[&str] = &[
    "D25 Prohibition of torture and cruel, inhuman or degrading treatment",
    "A41 Constitutional and legislative framework",
    "D51 Administration of justice & fair trial",
    "D26 Conditions of detention",
    "A42 Institutions & policies - General",
    "A12 Acceptance of international norms",
    "D23 Death penalty",
    "H1 Human rights defenders",
    "D43 Freedom of opinion and expression",
    "D44 Right to peaceful assembly",
    "D45 Freedom of association",
    "F12 Discrimination against women",
    "B31 Equality & non-discrimination",
    "F31 Children: definition; general principles; protection",
    "D8 Rights related to name, identity, nationality",
    "E51 Right to education - General",
    "E41 Right to health - General",
    "F4 Persons with disabilities",
    "G4 Migrants",
    "D27 Prohibition of slavery, trafficking",
    "G1 Members of minorities",
    "D32 Enforced disappearances",
    "B51 Right to an effective remedy",
    "B8 Human rights & counter-terrorism",
    "E22 Right to adequate housing",
    "E32 Right to just and favourable conditions of work",
    "A24 Cooperation with special procedures",
    "A52 Human rights education - General",
    "E1 Economic, social & cultural rights - general measures of implementation",
];

const OPENERS: &[&str] = &[
    "",
    "Take the necessary measures to ",
    "Continue its efforts to ",
    "Redouble its efforts to ",
    "Adopt legislative and other measures to ",
    "Step up efforts to ",
    "Take concrete steps to ",
    "Consider measures to ",
];

const CLAUSES: &[&str] = &[
    ", in consultation with civil society",
    ", and allocate sufficient human, technical and financial resources for this purpose",
    ", in line with its international obligations",
    ", with a view to ensuring accountability",
    ", including in rural and remote areas",
    ", and report on the progress made in its next periodic report",
    ", taking into account the recommendations of the special procedures",
    ", in particular for PERSONS",
    ", and raise awareness among the public and the officials concerned",
];

const PERSONS: &[&str] = &[
    "Persons deprived of their liberty",
    "Women & girls",
    "Children",
    "Human rights defenders",
    "Migrants",
    "Persons with disabilities",
    "Minorities/ racial, ethnic, linguistic, religious or descent-based groups",
    "Journalists",
    "Indigenous peoples",
    "General",
];

const SDGS: &[&str] = &[
    "16.3 Promote the rule of law and ensure equal access to justice for all",
    "5.1 End all forms of discrimination against all women and girls everywhere",
    "4.1 Ensure that all girls and boys complete free, equitable and quality primary and secondary education",
    "10.2 Empower and promote the social, economic and political inclusion of all",
    "16.10 Ensure public access to information and protect fundamental freedoms",
];

const TREATY_BODIES: &[(&str, &str)] = &[
    ("Committee against Torture", "CAT"),
    ("Human Rights Committee", "CCPR"),
    ("Committee on Economic, Social and Cultural Rights", "E/C.12"),
    ("Committee on the Rights of the Child", "CRC"),
    ("Committee on the Elimination of Discrimination against Women", "CEDAW"),
    ("Committee on the Elimination of Racial Discrimination", "CERD"),
    ("Committee on the Rights of Persons with Disabilities", "CRPD"),
    ("Committee on Enforced Disappearances", "CED"),
];

const SPECIAL_PROCEDURES: &[&str] = &[
    "Special Rapporteur on torture and other cruel, inhuman or degrading treatment or punishment",
    "Special Rapporteur on the situation of human rights defenders",
    "Special Rapporteur on the independence of judges and lawyers",
    "Special Rapporteur on the right to education",
    "Working Group on Enforced or Involuntary Disappearances",
    "Special Rapporteur on violence against women and girls, its causes and consequences",
];

const REGIONS: &[&str] =
    &["Africa", "Americas", "Asia-Pacific", "Eastern Europe", "Western European and Others"];

/// The countries of the file, most recommended first, with their cumulative weights.
pub(crate) struct Countries {
    pub(crate) codes: Vec<CountryCode>,
    cumulative: Vec<f64>,
}

impl Countries {
    /// 190 countries, in an order shuffled by `rng`, weighted 1 / (1 + k / 30) for the k-th.
    fn new(rng: &mut Rng) -> Countries {
        let letters = b'A'..=b'Z';
        let mut codes: Vec<CountryCode> = letters
            .clone()
            .flat_map(|a| letters.clone().map(move |b| [a, b]))
            .filter_map(|pair| std::str::from_utf8(&pair).ok()?.parse::<CountryCode>().ok())
            .collect();
        for i in (1..codes.len()).rev() {
            codes.swap(i, rng.below(i + 1));
        }
        codes.truncate(190);
        let mut total = 0.0;
        let cumulative = (0..codes.len())
            .map(|k| {
                total += 1.0 / (1.0 + k as f64 / 30.0);
                total
            })
            .collect();
        Countries { codes, cumulative }
    }

    fn pick(&self, rng: &mut Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let x = (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * total;
        self.cumulative.partition_point(|&c| c < x).min(self.codes.len() - 1)
    }
}

/// A multi-value cell as the export writes it.
fn cell(values: &[String]) -> String {
    values.iter().map(|v| format!("- {v}")).collect::<Vec<_>>().join("\n")
}

fn sentence(rng: &mut Rng, issue: usize) -> String {
    let (_, phrasings) = ISSUES[issue];
    let mut text = format!("{}{}", rng.pick(OPENERS), rng.pick(phrasings));
    for _ in 0..1 + rng.below(2) {
        let clause = rng.pick(CLAUSES).replace("PERSONS", &rng.pick(PERSONS).to_lowercase());
        text.push_str(&clause);
    }
    let mut chars = text.chars();
    let first = chars.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
    format!("{first}{}.", chars.as_str())
}

/// Writes the same `n` rows to `csv` as CSV and to `xlsx` as a workbook, as OHCHR publishes
/// the export (dates as Excel date serials with a date format, the UPR session as a number,
/// multi-value cells wrapped); returns the countries, most recommended first, and how many
/// rows name each.
pub(crate) fn write_export(csv: &Path, xlsx: &Path, n: usize) -> Res<(Countries, Vec<usize>)> {
    let mut rng = Rng(0x005e_ed0f_0fc4_2026);
    let countries = Countries::new(&mut rng);
    let mut per_country = vec![0; countries.codes.len()];
    let mut out = std::io::BufWriter::new(std::fs::File::create(csv)?);
    write_line(&mut out, COLUMNS.iter().map(|c| c.to_string()))?;
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let wrap = Format::new().set_text_wrap();
    for (c, name) in COLUMNS.iter().enumerate() {
        sheet.write_string(0, c as u16, *name)?;
    }
    let start = NaiveDate::from_ymd_opt(2006, 1, 1).ok_or("date")?;
    for row in 1..=n as u32 {
        let mut concerned = vec![countries.pick(&mut rng)];
        if rng.chance(4) {
            let other = countries.pick(&mut rng);
            if !concerned.contains(&other) {
                concerned.push(other);
            }
        }
        for &c in &concerned {
            per_country[c] += 1;
        }
        let issue = rng.below(ISSUES.len());
        let mut text = sentence(&mut rng, issue);
        let mut themes: Vec<String> =
            ISSUES[issue].0.iter().map(|&t| THEMES[t].to_owned()).collect();
        if rng.chance(10) {
            let second = rng.below(ISSUES.len());
            text = format!("{text} {}", sentence(&mut rng, second));
            for &t in ISSUES[second].0 {
                if !themes.iter().any(|x| x == THEMES[t]) {
                    themes.push(THEMES[t].to_owned());
                }
            }
        }
        let published = start + Days::new(rng.below(7300) as u64);
        let on_uhri = published + Days::new(30 + rng.below(200) as u64);
        let country = countries.codes[concerned[0]];
        let (kind, body, symbol, states, position, session) = match rng.below(10) {
            0..4 => {
                let session = 1 + rng.below(46);
                let states: Vec<String> = (0..1 + rng.below(3))
                    .map(|_| countries.codes[rng.below(countries.codes.len())].name())
                    .collect();
                let position = if rng.chance(70) { "Supported" } else { "Noted" };
                (
                    "UPR",
                    "Universal Periodic Review".to_owned(),
                    format!("A/HRC/{}/{}", 19 + session / 3, 5 + rng.below(20)),
                    states,
                    position,
                    session.to_string(),
                )
            }
            4..8 => {
                let (body, code) = *rng.pick(TREATY_BODIES);
                let symbol = format!("{code}/C/{}/CO/{}", country.alpha3(), 1 + rng.below(7));
                ("Treaty bodies", body.to_owned(), symbol, Vec::new(), "", String::new())
            }
            _ => {
                let symbol = format!(
                    "A/HRC/{}/{}/Add.{}",
                    4 + rng.below(55),
                    20 + rng.below(50),
                    1 + rng.below(3)
                );
                let body = rng.pick(SPECIAL_PROCEDURES).to_string();
                ("Special Procedures", body, symbol, Vec::new(), "", String::new())
            }
        };
        let affected: Vec<String> = (0..rng.below(3))
            .map(|_| rng.pick(PERSONS).to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let sdgs: Vec<String> =
            if rng.chance(40) { vec![rng.pick(SDGS).to_string()] } else { Vec::new() };
        let region = |c: usize| REGIONS[c % REGIONS.len()].to_owned();
        let recommending: Vec<String> =
            if states.is_empty() { Vec::new() } else { vec![region(rng.below(190))] };
        let annotation = format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            rng.next() as u32,
            rng.next() as u16,
            rng.next() as u16 & 0xfff,
            rng.next() as u16,
            rng.next() & 0xffff_ffff_ffff,
        );
        let names: Vec<String> = concerned.iter().map(|&c| countries.codes[c].name()).collect();
        let cells = [
            text,
            cell(&names),
            body,
            symbol,
            cell(&themes),
            cell(&affected),
            cell(&sdgs),
            kind.to_owned(),
            excel_serial(published).to_string(),
            excel_serial(on_uhri).to_string(),
            cell(&states),
            position.to_owned(),
            session,
            annotation,
            cell(&[region(concerned[0])]),
            cell(&recommending),
        ];
        for (c, value) in cells.iter().enumerate() {
            let col = c as u16;
            match COLUMNS[c] {
                _ if value.is_empty() => continue,
                "Document Publication Date" | "Date of publication on UHRI" => {
                    sheet.write_number_with_format(row, col, value.parse::<f64>()?, &date)?
                }
                "UPR Session" => sheet.write_number(row, col, value.parse::<f64>()?)?,
                _ => sheet.write_string_with_format(row, col, value, &wrap)?,
            };
        }
        write_line(&mut out, cells.into_iter())?;
    }
    out.flush()?;
    book.save(xlsx)?;
    Ok((countries, per_country))
}

fn write_line(out: &mut impl std::io::Write, cells: impl Iterator<Item = String>) -> Res<()> {
    let quoted: Vec<_> = cells.map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect();
    out.write_all((quoted.join(",") + "\r\n").as_bytes())?;
    Ok(())
}
