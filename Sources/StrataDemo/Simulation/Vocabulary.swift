/// The fixed words of the demo data: event property values, traits, pages. All plain ASCII without
/// quotes or backslashes, so they are written into JSON as they are.
enum Vocabulary {
    /// A page a `page` call can name.
    struct Page: Sendable {
        let path: StaticString
        let name: StaticString
        let title: StaticString
    }

    static let pages: [Page] = [
        Page(path: "/", name: "Home", title: "Example - Behavioral analytics"),
        Page(path: "/pricing", name: "Pricing", title: "Pricing - Example"),
        Page(path: "/features", name: "Features", title: "Features - Example"),
        Page(path: "/docs/getting-started", name: "Getting Started", title: "Getting started - Example Docs"),
        Page(path: "/docs/integrations/slack", name: "Slack Integration", title: "Slack - Example Docs"),
        Page(
            path: "/docs/integrations/salesforce", name: "Salesforce Integration",
            title: "Salesforce - Example Docs"),
        Page(path: "/docs/api", name: "API Reference", title: "API reference - Example Docs"),
        Page(path: "/blog/segmentation-101", name: "Segmentation 101", title: "Segmentation 101 - Example Blog"),
        Page(path: "/signup", name: "Sign Up", title: "Sign up - Example"),
        Page(path: "/app/dashboard", name: "Dashboard", title: "Dashboard"),
        Page(path: "/app/reports", name: "Reports", title: "Reports"),
        Page(path: "/app/documents", name: "Documents", title: "Documents"),
        Page(path: "/app/workflows", name: "Workflows", title: "Workflows"),
        Page(path: "/app/settings", name: "Settings", title: "Settings"),
        Page(path: "/app/billing", name: "Billing", title: "Billing"),
        Page(path: "/app/templates", name: "Templates", title: "Templates"),
        Page(path: "/collections/shoes", name: "Shoes", title: "Shoes - Example Store"),
        Page(path: "/collections/apparel", name: "Apparel", title: "Apparel - Example Store"),
        Page(path: "/collections/bags", name: "Bags", title: "Bags - Example Store"),
        Page(path: "/collections/sale", name: "Sale", title: "Sale - Example Store"),
        Page(path: "/cart", name: "Cart", title: "Your cart - Example Store"),
        Page(path: "/checkout", name: "Checkout", title: "Checkout - Example Store"),
        Page(path: "/account/orders", name: "Orders", title: "Your orders - Example Store"),
        Page(path: "/search", name: "Search", title: "Search - Example Store"),
        Page(path: "/learn/etf-basics", name: "ETF Basics", title: "What is an ETF? - Example Bank"),
        Page(path: "/learn/etf-fees", name: "ETF Fees", title: "ETF fees explained - Example Bank"),
        Page(path: "/learn/index-funds", name: "Index Funds", title: "Index funds - Example Bank"),
        Page(path: "/invest", name: "Invest", title: "Invest - Example Bank"),
        Page(path: "/cards", name: "Cards", title: "Cards - Example Bank"),
        Page(path: "/account/security", name: "Security", title: "Security - Example Bank"),
        Page(path: "/news", name: "News", title: "Latest news - Example Daily"),
        Page(path: "/topics/technology", name: "Technology", title: "Technology - Example Daily"),
        Page(path: "/topics/business", name: "Business", title: "Business - Example Daily"),
        Page(path: "/topics/sports", name: "Sports", title: "Sports - Example Daily"),
        Page(path: "/subscribe", name: "Subscribe", title: "Subscribe - Example Daily"),
        Page(path: "/courses", name: "Courses", title: "Courses - Example Academy"),
        Page(path: "/courses/etf-basics", name: "ETF Basics Course", title: "ETF basics - Example Academy"),
        Page(path: "/courses/python-101", name: "Python 101", title: "Python 101 - Example Academy"),
        Page(path: "/my-learning", name: "My Learning", title: "My learning - Example Academy"),
        Page(path: "/workouts", name: "Workouts", title: "Workouts - Example Fit"),
        Page(path: "/plans/5k", name: "5K Plan", title: "Couch to 5K - Example Fit"),
        Page(path: "/plans/strength", name: "Strength Plan", title: "Strength plan - Example Fit"),
        Page(path: "/progress", name: "Progress", title: "Your progress - Example Fit"),
    ]

    /// Indices into `pages` used by the planted behaviours.
    enum PageIndex {
        static let pricing: Int32 = 1
        static let slackDocs: Int32 = 4
        static let etfBasics: Int32 = 24
    }

    static let referrers: [StaticString] = [
        "https://www.google.com/", "https://www.bing.com/", "https://duckduckgo.com/",
        "https://www.linkedin.com/", "https://news.ycombinator.com/", "https://t.co/",
    ]

    /// `Feature Used` features: twelve product features, then the five banking ones.
    static let features: [StaticString] = [
        "dashboards", "reports", "alerts", "exports", "automations", "integrations",
        "templates", "comments", "search", "sharing", "permissions", "api_keys",
        "card_freeze", "activity_check", "virtual_card", "cashback", "fx",
    ]
    static let productFeatureCount = 12
    static let bankingFeatureStart = 12

    static let coreAreas: [StaticString] = ["editor", "dashboard", "pipeline", "inbox"]
    static let reports: [StaticString] = ["weekly_summary", "funnel", "retention", "revenue", "cohort"]
    static let documentTypes: [StaticString] = ["doc", "spreadsheet", "board", "brief"]
    static let workflows: [StaticString] = ["approval", "onboarding", "invoice", "deploy", "review"]
    static let premiumFeatures: [StaticString] = ["sso", "audit_log", "custom_roles", "sandbox"]
    static let paidFeatures: [StaticString] = [
        "advanced_reports", "scheduled_exports", "unlimited_history", "priority_support",
    ]
    static let upgradeSources: [StaticString] = ["banner", "usage_limit", "settings", "email"]
    static let roles: [StaticString] = ["member", "admin", "viewer"]
    static let integrations: [StaticString] = ["slack", "salesforce", "hubspot", "zapier", "webhooks"]
    static let billingTopics: [StaticString] = ["invoice", "refund", "card_declined", "plan_change"]
    static let competitors: [StaticString] = ["Metricly", "Funnelytics", "Cohorta", "Segmentary"]
    static let demoTypes: [StaticString] = ["live", "webinar"]
    static let onboardingSteps: [StaticString] = [
        "create_account", "verify_email", "create_workspace", "invite_teammate",
        "connect_data", "create_document", "run_report", "set_up_alerts",
    ]
    static let cancelReasons: [StaticString] = [
        "too_expensive", "missing_features", "switched_competitor", "no_longer_needed",
    ]
    static let loginMethods: [StaticString] = ["password", "sso", "google"]
    static let platforms: [StaticString] = ["web", "ios", "android"]

    /// Plans, by code: 0 free, 1 trial, 2 pro, 3 enterprise.
    static let plans: [StaticString] = ["free", "trial", "pro", "enterprise"]

    static let campaigns: [StaticString] = ["analytics", "newsletter", "onboarding", "sale"]
    enum Campaign {
        static let analytics: Int32 = 0
        static let newsletter: Int32 = 1
        static let onboarding: Int32 = 2
        static let sale: Int32 = 3
    }
    static let links: [StaticString] = ["demo", "pricing", "docs", "article", "unsubscribe", "setup", "shoes", "sale"]
    /// For each campaign, the links its emails carry.
    static let campaignLinks: [[Int32]] = [[0, 1, 2], [3, 1, 4], [5, 2], [6, 7]]

    /// Product categories; `shoes` first.
    static let categories: [StaticString] = [
        "shoes", "apparel", "bags", "accessories", "electronics", "home", "beauty", "outdoor",
    ]
    /// Typical price of each category, in cents.
    static let categoryPrices: [Int64] = [8900, 3900, 12900, 2400, 19900, 4900, 2900, 7900]

    static let topics: [StaticString] = [
        "technology", "politics", "business", "sports", "science", "culture", "health", "travel",
    ]
    static let courses: [StaticString] = ["etf-basics", "python-101", "spanish-a1", "photography", "data-analysis"]
    static let courseLessons: [Int32] = [12, 20, 30, 10, 16]
    static let workouts: [StaticString] = ["run", "strength", "yoga", "cycling", "hiit"]

    static let industries: [StaticString] = [
        "manufacturing", "software", "retail", "healthcare", "financial_services",
        "education", "logistics", "media", "hospitality", "energy",
    ]
    static let industryWeights: [Double] = [0.16, 0.2, 0.12, 0.1, 0.1, 0.08, 0.08, 0.06, 0.05, 0.05]

    static let firstNames: [StaticString] = [
        "Ada", "Ben", "Chloe", "Diego", "Elena", "Farah", "George", "Hana", "Ivan", "Julia",
        "Kofi", "Lena", "Marco", "Nina", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tariq",
        "Uma", "Victor", "Wen", "Yara",
    ]
    static let lastNames: [StaticString] = [
        "Andersen", "Brown", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jensen",
        "Kim", "Lopez", "Moreau", "Nakamura", "Okafor", "Patel", "Rossi", "Schmidt", "Tanaka", "Weber",
    ]
    static let emailDomains: [StaticString] = ["example.com", "example.org", "example.net", "mail.example"]
    static let companyFirst: [StaticString] = [
        "Acme", "Globex", "Initech", "Umbrella", "Northwind", "Contoso", "Fabrikam", "Tailspin",
        "Vandelay", "Hooli", "Wonka", "Tyrell", "Aperture", "Cyberdyne", "Soylent", "Blue Harbor",
    ]
    static let companySecond: [StaticString] = [
        "Labs", "Industries", "Systems", "Group", "Partners", "Logistics", "Foods", "Motors", "Analytics", "Works",
    ]
}
