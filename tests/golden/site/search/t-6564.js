CatalogSearch.add("t","ed",{"edge":[1.072,"3_"],"edward":[3.652,"0_"]});
