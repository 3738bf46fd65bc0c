//! Declarations, the items of their blocks, and journey settings.
//!
//! The blocks are read the way the pest driver reads them: a header, then
//! one item at a time up to the `}`, with the same check that an item does
//! not look like the next declaration (the driver reports that as a block
//! never closed).

use super::Parser;
use crate::span::Span;
use crate::syntax::ast::*;
use crate::syntax::recovery::looks_like_declaration;

const TYPE_NAMES: &[&str] = &[
    "text", "number", "bool", "datetime", "date", "duration", "timezone", "email",
];

impl Parser<'_> {
    /// `declaration_start` and, for a block, its items and `}`.
    pub fn declaration(&mut self) -> Option<Decl> {
        let start = self.cur.pos;
        match self.cur.peek() {
            b'c' => {
                self.cur.keyword("contact")?;
                self.cur.skip();
                self.cur.byte(b'{')?;
                let (fields, end) = self.block(Self::field_decl)?;
                let span = Span::new(start, end);
                Some(Decl::Contact(ContactDecl { fields, span }))
            }
            b'l' => Some(Decl::List(self.list_like("list")?)),
            b's' => Some(Decl::Segment(self.list_like("segment")?)),
            b'e' if self.cur.looking_at("ev") => self.event(start),
            b'e' => {
                self.cur.keyword("email")?;
                self.cur.skip();
                let name = self.cur.ident()?;
                self.cur.skip();
                self.cur.byte(b'{')?;
                let (items, end) = self.block(Self::email_item)?;
                let span = Span::new(start, end);
                Some(Decl::Email(EmailDecl { name, items, span }))
            }
            b'j' => {
                self.cur.keyword("journey")?;
                self.cur.skip();
                let name = self.cur.ident()?;
                self.cur.skip();
                let display = self.cur.string();
                if display.is_some() {
                    self.cur.skip();
                }
                self.cur.byte(b'{')?;
                let (items, end) = self.journey_block()?;
                let span = Span::new(start, end);
                Some(Decl::Journey(JourneyDecl {
                    name,
                    display,
                    items,
                    span,
                }))
            }
            _ => None,
        }
    }

    /// `list_decl` or `segment_decl`: the keyword, a name, a display name.
    fn list_like(&mut self, keyword: &str) -> Option<ListDecl> {
        let start = self.cur.pos;
        self.cur.keyword(keyword)?;
        self.cur.skip();
        let name = self.cur.ident()?;
        let mark = self.cur.mark();
        self.cur.skip();
        let display = self.cur.string();
        if display.is_none() {
            self.cur.reset(mark);
        }
        let span = Span::new(start, self.cur.end);
        Some(ListDecl {
            name,
            display,
            span,
        })
    }

    /// `event_header` and, when it opens one, its block.
    fn event(&mut self, start: usize) -> Option<Decl> {
        self.cur.keyword("event")?;
        self.cur.skip();
        let name = self.cur.ident()?;
        self.cur.skip();
        let has_block = self.cur.byte(b'{').is_some();
        let (fields, end) = if has_block {
            self.block(Self::event_field)?
        } else {
            // pest's span of the header, kept by the driver as the
            // declaration's, runs over the trivia before the missing `{`.
            (Vec::new(), self.cur.pos)
        };
        let span = Span::new(start, end);
        Some(Decl::Event(EventDecl {
            name,
            fields,
            has_block,
            span,
        }))
    }

    /// The items of a block up to its `}`, and the offset past the `}`.
    fn block<T>(&mut self, item: fn(&mut Self) -> Option<T>) -> Option<(Vec<T>, usize)> {
        let mut items = Vec::new();
        loop {
            self.cur.skip();
            if self.cur.at_end() || self.looks_like_declaration() {
                return None;
            }
            if self.cur.peek() == b'}' {
                let close = self.cur.take(1);
                return Some((items, close.end as usize));
            }
            items.push(item(self)?);
        }
    }

    /// A journey's items up to its `}`, like [`Parser::block`]. Journeys
    /// are long, so the items gather in a buffer kept between journeys
    /// and move once into a vector of the right size.
    fn journey_block(&mut self) -> Option<(Vec<JourneyItem>, usize)> {
        let mut buffer = std::mem::take(&mut self.journey_items);
        buffer.clear();
        let end = loop {
            self.cur.skip();
            if self.cur.at_end() || self.looks_like_declaration() {
                break None;
            }
            if self.cur.peek() == b'}' {
                break Some(self.cur.take(1).end as usize);
            }
            match self.journey_item() {
                Some(item) => buffer.push(item),
                None => break None,
            }
        };
        let mut items = Vec::with_capacity(buffer.len());
        items.append(&mut buffer);
        self.journey_items = buffer;
        Some((items, end?))
    }

    /// The driver's test for a block never closed, done only where a
    /// declaration keyword could start.
    fn looks_like_declaration(&self) -> bool {
        matches!(self.cur.peek(), b'c' | b'l' | b's' | b'e' | b'j')
            && looks_like_declaration(self.cur.text, self.cur.pos)
    }

    /// `field_decl`: `name: type [phi] [= literal]`.
    fn field_decl(&mut self) -> Option<FieldDecl> {
        let start = self.cur.pos;
        let (name, ty) = self.typed_name()?;

        let mark = self.cur.mark();
        self.cur.skip();
        let phi = self.cur.keyword("phi");
        if phi.is_none() {
            self.cur.reset(mark);
        }

        let mark = self.cur.mark();
        self.cur.skip();
        let mut default = None;
        if self.cur.byte(b'=').is_some() {
            self.cur.skip();
            default = self.cur.literal();
        }
        if default.is_none() {
            self.cur.reset(mark);
        }

        Some(FieldDecl {
            name,
            ty,
            phi,
            default,
            span: Span::new(start, self.cur.end),
        })
    }

    /// `type_ref`: a type name and an optional `?`, with nothing between.
    fn type_ref(&mut self) -> Option<TypeRef> {
        let start = self.cur.pos;
        let (index, _) = self.cur.one_of(TYPE_NAMES)?;
        let name = match index {
            0 => TypeName::Text,
            1 => TypeName::Number,
            2 => TypeName::Bool,
            3 => TypeName::DateTime,
            4 => TypeName::Date,
            5 => TypeName::Duration,
            6 => TypeName::TimeZone,
            _ => TypeName::Email,
        };
        let optional = self.cur.byte(b'?').is_some();
        let span = Span::new(start, self.cur.end);
        Some(TypeRef {
            name,
            optional,
            span,
        })
    }

    /// `event_field`: `name: type`.
    fn event_field(&mut self) -> Option<EventField> {
        let start = self.cur.pos;
        let (name, ty) = self.typed_name()?;
        let span = Span::new(start, self.cur.end);
        Some(EventField { name, ty, span })
    }

    /// `name: type`, trivia allowed around the colon: all of an event
    /// field, and a contact field up to its `phi` and default.
    fn typed_name(&mut self) -> Option<(Ident, TypeRef)> {
        let name = self.cur.word_ident()?;
        self.cur.skip();
        self.cur.byte(b':')?;
        self.cur.skip();
        let ty = self.type_ref()?;
        Some((name, ty))
    }

    /// `email_item`: `kind`, `subject`, `body` or `link`.
    fn email_item(&mut self) -> Option<EmailItem> {
        let start = self.cur.pos;
        let (index, _) = self.cur.one_of(&["kind", "subject", "body", "link"])?;
        self.cur.skip();
        let span = |p: &Self| Span::new(start, p.cur.end);
        match index {
            0 => {
                let kind = match self.cur.one_of(&["marketing", "treatment"])?.0 {
                    0 => EmailKind::Marketing,
                    _ => EmailKind::Treatment,
                };
                let span = span(self);
                Some(EmailItem::Kind { kind, span })
            }
            1 => {
                let text = self.cur.string()?;
                let span = span(self);
                Some(EmailItem::Subject { text, span })
            }
            2 => {
                let path = self.cur.string()?;
                let span = span(self);
                Some(EmailItem::Body { path, span })
            }
            _ => {
                let name = self.cur.word_ident()?;
                self.cur.skip();
                let url = self.cur.string()?;
                let span = span(self);
                Some(EmailItem::Link { name, url, span })
            }
        }
    }

    /// `journey_item`: a setting, or else a step.
    fn journey_item(&mut self) -> Option<JourneyItem> {
        let mark = self.cur.mark();
        if let Some(setting) = self.setting() {
            return Some(JourneyItem::Setting(setting));
        }
        self.cur.reset(mark);
        self.step().map(JourneyItem::Step)
    }

    fn setting(&mut self) -> Option<Setting> {
        const KEYWORDS: &[&str] = &[
            "from", "reply_to", "priority", "timezone", "exit", "reentry", "enter",
        ];
        let start = self.cur.pos;
        if !matches!(self.cur.peek(), b'f' | b'r' | b'p' | b't' | b'e') {
            return None;
        }
        let (index, _) = self.cur.one_of(KEYWORDS)?;
        self.cur.skip();
        let kind = match index {
            0 => SettingKind::From(self.cur.string()?),
            1 => SettingKind::ReplyTo(self.cur.string()?),
            2 => SettingKind::Priority(match self.cur.one_of(&["high", "normal", "low"])?.0 {
                0 => Priority::High,
                1 => Priority::Normal,
                _ => Priority::Low,
            }),
            3 => SettingKind::TimeZone(self.cur.string()?),
            4 => {
                self.cur.keyword("when")?;
                self.cur.skip();
                SettingKind::Exit(self.expr()?)
            }
            5 => SettingKind::Reentry(self.reentry()?),
            _ => SettingKind::Enter(self.trigger()?),
        };
        let span = Span::new(start, self.cur.end);
        Some(Setting { kind, span })
    }

    fn reentry(&mut self) -> Option<Reentry> {
        match self.cur.one_of(&["never", "always", "after"])?.0 {
            0 => Some(Reentry::Never),
            1 => Some(Reentry::Always),
            _ => {
                self.cur.skip();
                Some(Reentry::After(self.cur.duration()?))
            }
        }
    }

    /// What follows `enter`: `on` and a source, or `when` and a condition.
    fn trigger(&mut self) -> Option<Trigger> {
        let mark = self.cur.mark();
        if self.cur.keyword("on").is_some() {
            self.cur.skip();
            if let Some(trigger) = self.entry_source() {
                return Some(trigger);
            }
        }
        self.cur.reset(mark);
        self.cur.keyword("when")?;
        self.cur.skip();
        Some(Trigger::When(self.expr()?))
    }

    /// `entry_source`: a list, a segment, an event or a date field.
    fn entry_source(&mut self) -> Option<Trigger> {
        let (index, _) = self.cur.one_of(&["list", "segment", "event", "date"])?;
        self.cur.skip();
        match index {
            0 => Some(Trigger::List(self.cur.ident()?)),
            1 => Some(Trigger::Segment(self.cur.ident()?)),
            2 => {
                let name = self.cur.ident()?;
                let filter = self.where_filter();
                Some(Trigger::Event { name, filter })
            }
            _ => self.enter_date(),
        }
    }

    /// `(kw_where ~ expr)?` after an event name.
    pub fn where_filter(&mut self) -> Option<Expr> {
        let mark = self.cur.mark();
        self.cur.skip();
        let filter = match self.cur.keyword("where") {
            Some(_) => {
                self.cur.skip();
                self.expr()
            }
            None => None,
        };
        if filter.is_none() {
            self.cur.reset(mark);
        }
        filter
    }

    /// `enter_date` after `date`: `field [offset] [yearly] at time [zone]`.
    fn enter_date(&mut self) -> Option<Trigger> {
        let field = self.cur.field_ref()?;
        let offset = self.optional(Self::offset);
        let yearly = self.optional(|p| p.cur.keyword("yearly")).is_some();
        self.cur.skip();
        self.cur.keyword("at")?;
        self.cur.skip();
        let at = self.cur.time()?;
        let zone = self.optional(Self::zone);
        Some(Trigger::Date {
            field,
            offset,
            yearly,
            at,
            zone,
        })
    }

    /// An optional part after trivia: the cursor moves only if it matches.
    pub fn optional<T>(&mut self, part: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let mark = self.cur.mark();
        self.cur.skip();
        let found = part(self);
        if found.is_none() {
            self.cur.reset(mark);
        }
        found
    }
}
