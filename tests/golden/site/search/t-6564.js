CatalogSearch.add("t","ed",{"edge":[1.069,"3_"],"edward":[3.652,"0_"]});
