import { Body, Container, Head, Heading, Hr, Html, Link, Preview, Section, Text } from "@react-email/components";
import type { ReactNode } from "react";
import type { ChangeSummary } from "../../src/lib/messages";
import { s } from "./theme";

export type EmailLinks = ChangeSummary["links"];
/** A confirmation email to an unconfirmed address carries no manage link (no way into the account). */
export type FooterLinks = Pick<EmailLinks, "unsubscribe"> & Partial<Pick<EmailLinks, "manage">>;

export interface LayoutProps {
  /** inbox preview line (clients show ~90 characters) */
  preview: string;
  heading: string;
  /** one sentence: why this person got this email */
  reason: string;
  links: FooterLinks;
  children: ReactNode;
}

/** The frame every clausewatch email shares: brand, one h1, content, and the footer links. */
export function Layout({ preview, heading, reason, links, children }: LayoutProps) {
  return (
    <Html lang="en" dir="ltr">
      <Head>
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <meta name="supported-color-schemes" content="light" />
        <title>{heading}</title>
      </Head>
      <Preview>{preview}</Preview>
      <Body style={s.body}>
        <Container style={s.container}>
          <Text style={s.brand}>clausewatch</Text>
          <Heading as="h1" style={s.h1}>
            {heading}
          </Heading>
          {children}
          <Hr style={s.hr} />
          <Section>
            <Text style={s.small}>{reason}</Text>
            <Text style={s.small}>
              {links.manage ? (
                <>
                  <Link href={links.manage} style={s.link}>
                    Manage preferences
                  </Link>
                  {" · "}
                </>
              ) : null}
              <Link href={links.unsubscribe} style={s.link}>
                Unsubscribe
              </Link>
            </Text>
          </Section>
        </Container>
      </Body>
    </Html>
  );
}
