CatalogSearch.add("t","re",{"recht":[3.652,"5_"],"require":[4.76,"5_"],"require rethinking":[2.607,"5_"],"rest":[1.072,"3_"],"rethinking":[4.76,"5_"],"rethinking generalization":[2.607,"5_"]});
