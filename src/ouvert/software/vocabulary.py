"""The controlled vocabularies of ``publiccode.yml`` that the catalogue uses (from the standard's documentation,
publiccodeyml/publiccode.yml, ``docs/standard/categories-list.rst``)."""

from __future__ import annotations

__all__ = ["CATEGORIES"]

#: The software categories (``categories`` of publiccode.yml): a software's categories are some of these.
CATEGORIES: tuple[str, ...] = (
    "accounting", "agile-project-management", "applicant-tracking", "application-development",
    "appointment-scheduling", "backup", "billing-and-invoicing", "blog", "budgeting", "business-intelligence",
    "business-process-management", "cad", "call-center-management", "cloud-management", "collaboration",
    "communications", "compliance-management", "contact-management", "content-management", "crm",
    "customer-service-and-support", "data-analytics", "data-collection", "data-visualization", "design",
    "design-system", "digital-asset-management", "digital-citizenship", "document-management",
    "donor-management", "e-commerce", "e-signature", "educational-content", "email-management",
    "email-marketing", "employee-management", "enterprise-project-management", "enterprise-social-networking",
    "erp", "event-management", "facility-management", "feedback-and-reviews-management", "financial-reporting",
    "fleet-management", "fundraising", "gamification", "geographic-information-systems", "grant-management",
    "graphic-design", "help-desk", "hr", "ide", "identity-management", "instant-messaging",
    "inventory-management", "it-asset-management", "it-development", "it-management", "it-security",
    "it-service-management", "knowledge-management", "learning-management-system", "marketing", "mind-mapping",
    "mobile-marketing", "mobile-payment", "network-management", "office", "online-booking", "online-community",
    "payment-gateway", "payroll", "predictive-analysis", "procurement", "productivity-suite",
    "project-collaboration", "project-management", "property-management", "real-estate-management",
    "remote-support", "resource-management", "sales-management", "seo", "service-desk",
    "social-media-management", "survey", "talent-management", "task-management", "taxes-management",
    "test-management", "time-management", "time-tracking", "translation", "video-conferencing",
    "video-editing", "visitor-management", "voip", "warehouse-management", "web-collaboration",
    "web-conferencing", "website-builder", "whistleblowing", "workflow-management",
)

__all__ += ["CATEGORY_LABELS", "PLATFORMS", "PLATFORM_LABELS", "category_label", "category_choices",
            "platform_label"]

#: ``code: (French, English)`` for every category (the English is publiccode.yml's own wording).
CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    "accounting": ("Comptabilité", "Accounting"),
    "agile-project-management": ("Gestion de projet agile", "Agile project management"),
    "applicant-tracking": ("Suivi des candidatures", "Applicant tracking"),
    "application-development": ("Développement d'applications", "Application development"),
    "appointment-scheduling": ("Prise de rendez-vous", "Appointment scheduling"),
    "backup": ("Sauvegarde", "Backup"),
    "billing-and-invoicing": ("Facturation", "Billing and invoicing"),
    "blog": ("Blogue", "Blog"),
    "budgeting": ("Budget", "Budgeting"),
    "business-intelligence": ("Informatique décisionnelle", "Business intelligence"),
    "business-process-management": ("Gestion des processus d'affaires", "Business process management"),
    "cad": ("Conception assistée par ordinateur", "CAD"),
    "call-center-management": ("Gestion de centre d'appels", "Call center management"),
    "cloud-management": ("Gestion de l'infonuagique", "Cloud management"),
    "collaboration": ("Collaboration", "Collaboration"),
    "communications": ("Communications", "Communications"),
    "compliance-management": ("Gestion de la conformité", "Compliance management"),
    "contact-management": ("Gestion des contacts", "Contact management"),
    "content-management": ("Gestion de contenu", "Content management"),
    "crm": ("Gestion de la relation client", "CRM"),
    "customer-service-and-support": ("Service et soutien à la clientèle", "Customer service and support"),
    "data-analytics": ("Analyse de données", "Data analytics"),
    "data-collection": ("Collecte de données", "Data collection"),
    "data-visualization": ("Visualisation de données", "Data visualization"),
    "design": ("Conception", "Design"),
    "design-system": ("Système de design", "Design system"),
    "digital-asset-management": ("Gestion des ressources numériques", "Digital asset management"),
    "digital-citizenship": ("Citoyenneté numérique", "Digital citizenship"),
    "document-management": ("Gestion documentaire", "Document management"),
    "donor-management": ("Gestion des donateurs", "Donor management"),
    "e-commerce": ("Commerce électronique", "E-commerce"),
    "e-signature": ("Signature électronique", "E-signature"),
    "educational-content": ("Contenu éducatif", "Educational content"),
    "email-management": ("Gestion du courriel", "Email management"),
    "email-marketing": ("Marketing par courriel", "Email marketing"),
    "employee-management": ("Gestion du personnel", "Employee management"),
    "enterprise-project-management": ("Gestion de portefeuille de projets", "Enterprise project management"),
    "enterprise-social-networking": ("Réseau social d'entreprise", "Enterprise social networking"),
    "erp": ("Progiciel de gestion intégré", "ERP"),
    "event-management": ("Gestion d'événements", "Event management"),
    "facility-management": ("Gestion des installations", "Facility management"),
    "feedback-and-reviews-management": ("Gestion des commentaires et des avis", "Feedback and reviews management"),
    "financial-reporting": ("Rapports financiers", "Financial reporting"),
    "fleet-management": ("Gestion de parc de véhicules", "Fleet management"),
    "fundraising": ("Collecte de fonds", "Fundraising"),
    "gamification": ("Ludification", "Gamification"),
    "geographic-information-systems": ("Systèmes d'information géographique", "Geographic information systems"),
    "grant-management": ("Gestion des subventions", "Grant management"),
    "graphic-design": ("Graphisme", "Graphic design"),
    "help-desk": ("Centre d'assistance", "Help desk"),
    "hr": ("Ressources humaines", "HR"),
    "ide": ("Environnement de développement", "IDE"),
    "identity-management": ("Gestion des identités", "Identity management"),
    "instant-messaging": ("Messagerie instantanée", "Instant messaging"),
    "inventory-management": ("Gestion des stocks", "Inventory management"),
    "it-asset-management": ("Gestion des actifs informatiques", "IT asset management"),
    "it-development": ("Développement informatique", "IT development"),
    "it-management": ("Gestion des TI", "IT management"),
    "it-security": ("Sécurité informatique", "IT security"),
    "it-service-management": ("Gestion des services de TI", "IT service management"),
    "knowledge-management": ("Gestion des connaissances", "Knowledge management"),
    "learning-management-system": ("Plateforme d'apprentissage", "Learning management system"),
    "marketing": ("Marketing", "Marketing"),
    "mind-mapping": ("Cartes heuristiques", "Mind mapping"),
    "mobile-marketing": ("Marketing mobile", "Mobile marketing"),
    "mobile-payment": ("Paiement mobile", "Mobile payment"),
    "network-management": ("Gestion de réseau", "Network management"),
    "office": ("Bureautique", "Office"),
    "online-booking": ("Réservation en ligne", "Online booking"),
    "online-community": ("Communauté en ligne", "Online community"),
    "payment-gateway": ("Passerelle de paiement", "Payment gateway"),
    "payroll": ("Paie", "Payroll"),
    "predictive-analysis": ("Analyse prédictive", "Predictive analysis"),
    "procurement": ("Approvisionnement", "Procurement"),
    "productivity-suite": ("Suite de productivité", "Productivity suite"),
    "project-collaboration": ("Collaboration de projet", "Project collaboration"),
    "project-management": ("Gestion de projet", "Project management"),
    "property-management": ("Gestion immobilière", "Property management"),
    "real-estate-management": ("Gestion de biens immobiliers", "Real estate management"),
    "remote-support": ("Assistance à distance", "Remote support"),
    "resource-management": ("Gestion des ressources", "Resource management"),
    "sales-management": ("Gestion des ventes", "Sales management"),
    "seo": ("Référencement", "SEO"),
    "service-desk": ("Centre de services", "Service desk"),
    "social-media-management": ("Gestion des médias sociaux", "Social media management"),
    "survey": ("Sondage", "Survey"),
    "talent-management": ("Gestion des talents", "Talent management"),
    "task-management": ("Gestion des tâches", "Task management"),
    "taxes-management": ("Gestion des taxes", "Taxes management"),
    "test-management": ("Gestion des tests", "Test management"),
    "time-management": ("Gestion du temps", "Time management"),
    "time-tracking": ("Suivi du temps", "Time tracking"),
    "translation": ("Traduction", "Translation"),
    "video-conferencing": ("Vidéoconférence", "Video conferencing"),
    "video-editing": ("Montage vidéo", "Video editing"),
    "visitor-management": ("Gestion des visiteurs", "Visitor management"),
    "voip": ("Téléphonie IP", "VoIP"),
    "warehouse-management": ("Gestion d'entrepôt", "Warehouse management"),
    "web-collaboration": ("Collaboration en ligne", "Web collaboration"),
    "web-conferencing": ("Conférence web", "Web conferencing"),
    "website-builder": ("Création de sites web", "Website builder"),
    "whistleblowing": ("Signalement d'actes répréhensibles", "Whistleblowing"),
    "workflow-management": ("Gestion des flux de travail", "Workflow management"),
}

#: The platforms publiccode.yml names (``platforms``); others may be given by name.
PLATFORMS: tuple[str, ...] = ("web", "windows", "mac", "linux", "ios", "android")
PLATFORM_LABELS: dict[str, tuple[str, str]] = {
    "web": ("Web", "Web"), "windows": ("Windows", "Windows"), "mac": ("macOS", "macOS"),
    "linux": ("Linux", "Linux"), "ios": ("iOS", "iOS"), "android": ("Android", "Android"),
}


def _lang(lang: str | None) -> str:
    if lang is None:
        from django.utils import translation

        lang = translation.get_language() or "fr"
    return "en" if lang.startswith("en") else "fr"


def category_label(code: str, lang: str | None = None) -> str:
    """The category's name in ``lang`` (the active language when None); the code itself when unknown."""
    labels = CATEGORY_LABELS.get(code)
    if labels is None:
        return code
    return labels[1] if _lang(lang) == "en" else labels[0]


def category_choices(lang: str | None = None) -> list[tuple[str, str]]:
    """``(code, label)`` of every category, sorted by label in ``lang``."""
    from ouvert.core.search import fold

    return sorted(((code, category_label(code, lang)) for code in CATEGORIES), key=lambda item: fold(item[1]))


def platform_label(code: str, lang: str | None = None) -> str:
    labels = PLATFORM_LABELS.get(code)
    if labels is None:
        return code
    return labels[1] if _lang(lang) == "en" else labels[0]
