//! Expressions, in two passes as the pest driver does them.
//!
//! First the grammar's flat `expr` rule: prefixes, an operand, postfixes,
//! then repeated infix-operand groups, as far as they match. Then the same
//! Pratt climb as pest's `PrattParser` in `lower.rs`, with the same binding
//! powers, over those tokens. Tokens go on one stack shared by nested
//! expressions, so a parse allocates only the nodes it returns.

use super::Parser;
use crate::span::Span;
use crate::syntax::ast::*;

/// The most operators and parentheses one expression may hold; the pest
/// driver reports more as "nested too deeply" (`MAX_EXPRESSION_SIZE`).
const MAX_EXPRESSION_SIZE: usize = 256;

/// One token of the flat `expr` rule.
pub(super) enum Token {
    Not(Span),
    Negate(Span),
    Operand(Expr),
    Postfix(Postfix, Span),
    Infix(BinaryOp),
    /// An operand the climb has already moved into the tree.
    Taken,
}

pub(super) enum Postfix {
    IsSet,
    IsMissing,
    InList { items: Vec<Expr>, negated: bool },
}

// Binding powers, as `PrattParser::op` numbers them (steps of 10, loosest
// first): or, and, not, comparisons, postfixes, + and -, ??, unary minus.
const OR: u32 = 20;
const AND: u32 = 30;
const NOT: u32 = 40;
const CMP: u32 = 50;
const POSTFIX: u32 = 60;
const ADD: u32 = 70;
const DEFAULT: u32 = 80;
const NEGATE: u32 = 90;

impl Parser<'_> {
    /// An `expr`; gives the whole parse up when it holds more than
    /// [`MAX_EXPRESSION_SIZE`] operators and parentheses.
    pub fn expr(&mut self) -> Option<Expr> {
        self.expr_sized().map(|(expr, _)| expr)
    }

    /// An `expr` and how many operators and parentheses it holds, nested
    /// ones included.
    fn expr_sized(&mut self) -> Option<(Expr, usize)> {
        // Each expression nested in this one sits in a group or a list,
        // which count towards the size: past this depth it is too big.
        if self.depth > MAX_EXPRESSION_SIZE {
            return self.cur.give_up();
        }
        self.depth += 1;
        let base = self.tokens.len();
        let size = self.expr_tokens(base);
        self.depth -= 1;
        let Some(size) = size else {
            self.tokens.truncate(base);
            return None;
        };
        // Checked before the climb, which recurses once per prefix.
        if size > MAX_EXPRESSION_SIZE {
            self.tokens.truncate(base);
            return self.cur.give_up();
        }

        let mut at = base;
        let expr = self.climb(&mut at, 0);
        self.tokens.truncate(base);
        Some((expr, size))
    }

    /// Reads the tokens of `prefix* ~ operand ~ postfix* ~ (infix ~
    /// prefix* ~ operand ~ postfix*)*`; returns their size.
    fn expr_tokens(&mut self, base: usize) -> Option<usize> {
        let mut size = self.unit_tokens()?;
        loop {
            let mark = self.cur.mark();
            let len = self.tokens.len();
            self.cur.skip();
            let Some(op) = self.infix() else {
                self.cur.reset(mark);
                break;
            };
            self.tokens.push(op);
            self.cur.skip();
            match self.unit_tokens() {
                Some(unit) => size += 1 + unit,
                None => {
                    self.tokens.truncate(len);
                    self.cur.reset(mark);
                    break;
                }
            }
        }
        debug_assert!(self.tokens.len() > base);
        Some(size)
    }

    /// `prefix* ~ operand ~ postfix*`; returns its size.
    fn unit_tokens(&mut self) -> Option<usize> {
        let mut size = 0;
        loop {
            if let Some(span) = self.cur.keyword("not") {
                self.tokens.push(Token::Not(span));
            } else if let Some(span) = self.cur.byte(b'-') {
                self.tokens.push(Token::Negate(span));
            } else {
                break;
            }
            size += 1;
            self.cur.skip();
        }

        let (operand, operand_size) = self.operand()?;
        self.tokens.push(Token::Operand(operand));
        size += operand_size;

        loop {
            let mark = self.cur.mark();
            self.cur.skip();
            match self.postfix() {
                Some((postfix, span, items_size)) => {
                    self.tokens.push(Token::Postfix(postfix, span));
                    size += 1 + items_size;
                }
                None => {
                    self.cur.reset(mark);
                    break;
                }
            }
        }
        Some(size)
    }

    fn infix(&mut self) -> Option<Token> {
        let cur = &mut self.cur;
        let (op, _) = match cur.peek() {
            b'o' => (BinaryOp::Or, cur.keyword("or")?),
            b'a' => (BinaryOp::And, cur.keyword("and")?),
            b'=' => (BinaryOp::Eq, cur.symbol("==")?),
            b'!' => (BinaryOp::NotEq, cur.symbol("!=")?),
            b'<' => match cur.symbol("<=") {
                Some(span) => (BinaryOp::LessEq, span),
                None => (BinaryOp::Less, cur.take(1)),
            },
            b'>' => match cur.symbol(">=") {
                Some(span) => (BinaryOp::GreaterEq, span),
                None => (BinaryOp::Greater, cur.take(1)),
            },
            b'+' => (BinaryOp::Add, cur.take(1)),
            b'-' => (BinaryOp::Sub, cur.take(1)),
            b'?' => (BinaryOp::Default, cur.symbol("??")?),
            _ => return None,
        };
        Some(Token::Infix(op))
    }

    /// `is set`, `is missing` or `[not] in [...]`, with its span and the
    /// size of the list's items.
    fn postfix(&mut self) -> Option<(Postfix, Span, usize)> {
        let start = self.cur.pos;
        if self.cur.keyword("is").is_some() {
            self.cur.skip();
            let postfix = if self.cur.keyword("set").is_some() {
                Postfix::IsSet
            } else {
                self.cur.keyword("missing")?;
                Postfix::IsMissing
            };
            return Some((postfix, Span::new(start, self.cur.end), 0));
        }

        let negated = self.cur.keyword("not").is_some();
        if negated {
            self.cur.skip();
        }
        self.cur.keyword("in")?;
        self.cur.skip();
        self.cur.byte(b'[')?;
        self.cur.skip();
        let (items, size) = self.list_items()?;
        self.cur.byte(b']')?;
        let span = Span::new(start, self.cur.end);
        Some((Postfix::InList { items, negated }, span, size))
    }

    /// `(expr ~ ("," ~ expr)* ~ ","?)?` inside `[...]`, and their size;
    /// leaves the cursor on the `]` (after trivia).
    fn list_items(&mut self) -> Option<(Vec<Expr>, usize)> {
        let mut items = Vec::new();
        let mut size = 0;
        let mark = self.cur.mark();
        let Some((first, first_size)) = self.expr_sized() else {
            self.cur.reset(mark);
            return Some((items, size));
        };
        items.push(first);
        size += first_size;

        loop {
            let mark = self.cur.mark();
            self.cur.skip();
            if self.cur.byte(b',').is_none() {
                self.cur.reset(mark);
                break;
            }
            self.cur.skip();
            match self.expr_sized() {
                Some((item, item_size)) => {
                    items.push(item);
                    size += item_size;
                }
                None => {
                    // The trailing `","?`: keep the comma, end the list.
                    self.cur.reset(mark);
                    self.cur.skip();
                    self.cur.byte(b',');
                    break;
                }
            }
        }
        self.cur.skip();
        Some((items, size))
    }

    /// `operand`, and the size it holds (a group counts itself).
    fn operand(&mut self) -> Option<(Expr, usize)> {
        let start = self.cur.pos;
        let mark = self.cur.mark();

        if let Some(literal) = self.cur.literal() {
            let span = literal.span();
            return Some((expr(ExprKind::Literal(literal), span), 0));
        }
        self.cur.reset(mark);

        let first = self.cur.peek();
        if matches!(first, b'c' | b'e') {
            if let Some(field) = self.cur.field_ref() {
                let span = field.span;
                return Some((expr(ExprKind::Field(field), span), 0));
            }
            self.cur.reset(mark);
        }
        if matches!(first, b'h' | b'o' | b'c') {
            if let Some(engagement) = self.engagement(start) {
                return Some((engagement, 0));
            }
            self.cur.reset(mark);
        }
        match first {
            b'i' => {
                self.cur.keyword("in")?;
                self.cur.skip();
                self.cur.keyword("segment")?;
                self.cur.skip();
                let name = self.cur.ident()?;
                let span = Span::new(start, self.cur.end);
                Some((expr(ExprKind::InSegment(name), span), 0))
            }
            b'n' => {
                let span = self.cur.keyword("now")?;
                Some((expr(ExprKind::Now, span), 0))
            }
            b'(' => {
                self.cur.take(1);
                self.cur.skip();
                let (inner, size) = self.expr_sized()?;
                self.cur.skip();
                self.cur.byte(b')')?;
                let span = Span::new(start, self.cur.end);
                Some((expr(ExprKind::Group(Box::new(inner)), span), size + 1))
            }
            _ => None,
        }
    }

    /// `opened` or `clicked`: `[human] opened email`, `[human] clicked
    /// email[.link]`, in the grammar's order.
    fn engagement(&mut self, start: usize) -> Option<Expr> {
        let mark = self.cur.mark();
        for clicked in [false, true] {
            self.cur.reset(mark);
            let human = self.cur.keyword("human").is_some();
            if human {
                self.cur.skip();
            }
            let word = if clicked { "clicked" } else { "opened" };
            if self.cur.keyword(word).is_none() {
                continue;
            }
            self.cur.skip();
            let kind = if clicked {
                let Some((email, link)) = self.cur.email_link() else {
                    continue;
                };
                ExprKind::Clicked { email, link, human }
            } else {
                let Some(email) = self.cur.ident() else {
                    continue;
                };
                ExprKind::Opened { email, human }
            };
            return Some(expr(kind, Span::new(start, self.cur.end)));
        }
        None
    }

    /// The Pratt climb of pest's `PrattParser::expr` over the tokens from
    /// `*at`, with right binding power `rbp`.
    fn climb(&mut self, at: &mut usize, rbp: u32) -> Expr {
        let mut lhs = self.null_denotation(at);
        while rbp < self.left_binding_power(*at) {
            lhs = self.left_denotation(at, lhs);
        }
        lhs
    }

    fn null_denotation(&mut self, at: &mut usize) -> Expr {
        let token = std::mem::replace(&mut self.tokens[*at], Token::Taken);
        *at += 1;
        match token {
            Token::Not(span) => {
                let rhs = self.climb(at, NOT - 1);
                let span = span.to(rhs.span);
                expr(ExprKind::Not(Box::new(rhs)), span)
            }
            Token::Negate(span) => {
                let rhs = self.climb(at, NEGATE - 1);
                let span = span.to(rhs.span);
                expr(ExprKind::Negate(Box::new(rhs)), span)
            }
            Token::Operand(operand) => operand,
            _ => unreachable!("the expr rule starts with a prefix or an operand"),
        }
    }

    fn left_denotation(&mut self, at: &mut usize, lhs: Expr) -> Expr {
        let token = std::mem::replace(&mut self.tokens[*at], Token::Taken);
        *at += 1;
        match token {
            Token::Infix(op) => {
                let rhs = self.climb(at, binding_power(op));
                let span = lhs.span.to(rhs.span);
                let lhs = Box::new(lhs);
                let rhs = Box::new(rhs);
                expr(ExprKind::Binary { op, lhs, rhs }, span)
            }
            Token::Postfix(postfix, span) => {
                let span = lhs.span.to(span);
                let inner = Box::new(lhs);
                let kind = match postfix {
                    Postfix::IsSet => ExprKind::IsSet {
                        expr: inner,
                        missing: false,
                    },
                    Postfix::IsMissing => ExprKind::IsSet {
                        expr: inner,
                        missing: true,
                    },
                    Postfix::InList { items, negated } => ExprKind::InList {
                        expr: inner,
                        items,
                        negated,
                    },
                };
                expr(kind, span)
            }
            _ => unreachable!("an operand is followed by a postfix or an infix"),
        }
    }

    /// pest's `lbp`: the power of the next token, 0 past the last.
    fn left_binding_power(&self, at: usize) -> u32 {
        match self.tokens.get(at) {
            None => 0,
            Some(Token::Infix(op)) => binding_power(*op),
            Some(Token::Postfix(..)) => POSTFIX,
            Some(Token::Not(_)) => NOT,
            Some(Token::Negate(_)) => NEGATE,
            Some(Token::Operand(_) | Token::Taken) => {
                unreachable!("an operand never follows an operand")
            }
        }
    }
}

fn binding_power(op: BinaryOp) -> u32 {
    match op {
        BinaryOp::Or => OR,
        BinaryOp::And => AND,
        BinaryOp::Add | BinaryOp::Sub => ADD,
        BinaryOp::Default => DEFAULT,
        _ => CMP,
    }
}

fn expr(kind: ExprKind, span: Span) -> Expr {
    Expr { kind, span }
}
